// The panels that explore a trained model: samples from the prior (reseed, grid size, digit),
// the latent explorer (a slider per dimension), and what the model is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pictures.hpp"
#include "train/inference.hpp"

namespace vkvae::view {

class Explorer {
 public:
  Explorer(train::TrainedModel& model, std::string source, std::string device);

  // Draws the panels (inside an ImGui frame), decoding what changed.
  void ui(PictureRenderer& pictures);
  // Where the samples grid was drawn last, in window pixels (x, y, width, height).
  const float* samples_rect() const { return samples_rect_; }

 private:
  void decode_samples();
  void decode_latent();

  train::TrainedModel& model_;
  std::string source_, device_;
  int side_ = 8, digit_ = -1;  // digit −1: a row per digit (conditional models)
  uint64_t seed_ = 0, random_draws_ = 0;
  bool samples_dirty_ = true, latent_dirty_ = true;
  std::unique_ptr<train::GridDecoder> samples_, single_;
  std::vector<float> z_;
  int latent_digit_ = 0;
  float samples_rect_[4] = {0, 0, 0, 0};
};

}  // namespace vkvae::view
