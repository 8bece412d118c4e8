// The model's forward pass over a fixed set of images, with its own copy of the weights: μ of
// q(z|x) for each image, and on the device a grid of the images and a grid of their
// reconstructions (σ(logits)), ready to draw. vkvae-view's reconstructions, interpolation and
// latent scatter come from here.
#pragma once

#include <memory>
#include <vector>

#include "data/idx.hpp"
#include "graph/program.hpp"
#include "io/safetensors.hpp"
#include "models/vae.hpp"
#include "train/options.hpp"

namespace vkvae::train {

class Reconstructor {
 public:
  // The first `count` images of `data` (all of them if fewer), drawn `nrow` per row. `drawn`:
  // a renderer's fragment shaders read the grids: runs on the render queue (see GridDecoder).
  Reconstructor(vk::Context& context, ops::Kernels& kernels, const TrainOptions& options, const data::Dataset& data, int64_t count,
                uint32_t nrow, bool drawn = false);
  ~Reconstructor();

  void load(const io::SafeTensors& file, const std::string& source);
  void copy_weights(const graph::Program& from, const graph::Graph& from_graph);
  // Runs the forward pass (fixed noise; no binarization noise: the images as they are) and
  // waits; then mu() and the grids hold its results.
  void run();

  int64_t count() const { return count_; }
  const std::vector<uint8_t>& labels() const { return labels_; }
  std::vector<float> mu() const;  // count × latent
  ops::GridSize size() const { return size_; }
  ops::Tensor originals() const { return program_->tensor(originals_); }
  ops::Tensor reconstructions() const { return program_->tensor(reconstructions_); }

 private:
  vk::Context& context_;
  TrainOptions options_;
  int64_t count_;
  bool drawn_;
  std::vector<uint8_t> labels_;
  std::unique_ptr<models::VaeGraph> graph_;
  graph::TensorId originals_, reconstructions_;
  ops::GridSize size_{};
  std::unique_ptr<graph::Program> program_;
};

}  // namespace vkvae::train
