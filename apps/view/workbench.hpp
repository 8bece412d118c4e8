// The panels that put the model to work on one image at a time:
//   Draw     a 28×28 pad: draw a digit with the mouse (brush, size, clear), or load a test image
//            and erase part of it; live, its reconstruction, its anomaly score (the negative
//            ELBO at z = μ) and, for 2-D models, its encoding on the latent plane; erased pixels
//            of a test image are filled in by the inpainting chain (encode → decode → known
//            pixels back).
//   Denoise  a test image, noise of a kind and amount, the denoised image beside it, with the
//            errors of both.
// The model runs on the host's pixels through a one-image forward pass (train::BatchPass) that
// follows the weights as the other panels do; the small pictures are drawn as ImGui rectangles.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <span>
#include <vector>

#include "layout.hpp"
#include "model_source.hpp"

namespace vkvae::view {

class Workbench {
 public:
  explicit Workbench(ModelSource& model);

  void ui(Layout& layout);
  // μ of what the pad holds (empty until it has been encoded).
  const std::vector<float>& pad_encoding() const { return pad_mu_; }
  // Where the pad's reconstruction and the denoised image were drawn last (x, y, width, height).
  const float* reconstruction_rect() const { return reconstruction_rect_; }
  const float* denoised_rect() const { return denoised_rect_; }

 private:
  void pad_ui();
  void denoise_ui();
  // Paints (or erases) a stroke from the last mouse position to `to` (in pixels of the pad).
  void paint(ImVec2 to, bool erase);
  void load_test_image(int index);
  void encode_pad();
  void denoise();
  // One pass over `image` (784) under the weights' lock.
  train::BatchPass::Output run(std::span<const float> image, int label);

  ModelSource& model_;
  // The pad.
  models::ImageShape shape_;  // the model's images: the pad's size and channels
  std::size_t plane_ = 0;     // pixels of one channel
  std::vector<float> pad_, pad_recon_, pad_filled_;
  std::vector<uint8_t> erased_;  // pixels erased from a loaded test image: the ones to fill
  std::vector<float> pad_mu_;
  float pad_score_ = 0.0f, pad_recon_term_ = 0.0f, pad_kl_ = 0.0f;
  int tool_ = 0;  // 0 brush, 1 eraser
  float brush_ = 1.2f;
  int pad_label_ = 0, test_index_ = 0;
  bool loaded_ = false;  // the pad started from a test image
  bool pad_dirty_ = true, stroking_ = false;
  ImVec2 last_{0, 0};
  double pad_run_at_ = -1e9;
  uint64_t pad_version_ = 0;
  // The denoise panel.
  int denoise_index_ = 0, noise_kind_ = 0;  // 0 gaussian, 1 salt-and-pepper
  float noise_amount_ = 0.3f;
  uint64_t noise_seed_ = 0;
  bool denoise_dirty_ = true;
  uint64_t denoise_version_ = 0;
  std::vector<float> clean_, noisy_, denoised_;
  double noisy_mse_ = 0.0, denoised_mse_ = 0.0;
  float reconstruction_rect_[4] = {0, 0, 0, 0}, denoised_rect_[4] = {0, 0, 0, 0};
};

}  // namespace vkvae::view
