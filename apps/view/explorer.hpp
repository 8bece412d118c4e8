// The panels that explore a trained model: samples from the prior (reseed, grid size, digit),
// the latent explorer (a slider per dimension), and what the model is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layout.hpp"
#include "model_source.hpp"
#include "pictures.hpp"

namespace vkvae::view {

class Explorer {
 public:
  Explorer(ModelSource& model, std::string source, std::string device);

  // Draws the panels (inside an ImGui frame), decoding what changed.
  void ui(PictureRenderer& pictures, Layout& layout);
  // A z to mark on the latent plane (2-D models): the drawing pad's encoding; empty for none.
  void mark(const std::vector<float>& z) { marked_ = z; }
  // Where the samples grid was drawn last, in window pixels (x, y, width, height).
  const float* samples_rect() const { return samples_rect_; }

 private:
  void decode_samples();
  void decode_latent();
  void reconstructions_ui(PictureRenderer& pictures, const Layout& layout);
  void interpolation_ui(PictureRenderer& pictures, const Layout& layout);
  void manifold_ui(PictureRenderer& pictures, const Layout& layout);
  // μ of the first kEncoded test images, refreshed when the weights change (empty without
  // test data).
  const std::vector<float>& encodings();

  ModelSource& model_;
  uint64_t samples_version_ = 0, latent_version_ = 0;  // weights the pictures were decoded with
  std::string source_, device_;
  int side_ = 8, digit_ = -1;  // digit −1: a row per digit (conditional models)
  uint64_t seed_ = 0, random_draws_ = 0;
  bool samples_dirty_ = true, latent_dirty_ = true;
  train::GridDecoder* samples_ = nullptr;
  train::GridDecoder* single_ = nullptr;
  std::vector<float> z_, marked_;
  int latent_digit_ = 0;
  float samples_rect_[4] = {0, 0, 0, 0};
  uint64_t recon_version_ = 0, encoded_version_ = 0, line_version_ = 0, manifold_version_ = 0;
  std::vector<float> encoded_;
  int from_ = 0, to_ = 1, steps_ = 10;
  float t_ = 0.5f;
  bool line_dirty_ = true;
  // When the slower panels last followed new weights (seconds): while a model trains, the
  // encodings of a thousand test images are redone every 2 s, reconstructions and the plane
  // every second, samples with every copy of the weights.
  double encoded_at_ = -1e9, recon_at_ = -1e9, manifold_at_ = -1e9;
};

}  // namespace vkvae::view
