// A decoder kept ready to draw: z (and class labels, for conditional models) in, an RGBA8 grid out in
// a device buffer that a renderer can read where it lies (vkvae-view draws it with its own
// pipeline). It holds its own copy of the weights, so what it draws is never half-updated.
#pragma once

#include <memory>
#include <vector>

#include "graph/program.hpp"
#include "io/safetensors.hpp"
#include "models/vae.hpp"
#include "train/options.hpp"
#include "train/session.hpp"

namespace vkvae::train {

// Runs `program` once and waits. `drawn`: a window's fragment shaders read its outputs, so it
// runs on the device's render queue, behind the frames already submitted there.
void run_program(vk::Context& context, graph::Program& program, bool drawn);

class GridDecoder {
 public:
  // `drawn`: a renderer's fragment shaders read the grid, so each decode runs on the device's
  // render queue, behind the frames already submitted there (needs a graphics-capable queue).
  // Weights copied from training (copy_weights, on the compute queue) are complete when it
  // returns, so a decode the caller starts afterwards reads them whole.
  GridDecoder(vk::Context& context, ops::Kernels& kernels, const TrainOptions& options, int64_t count, uint32_t nrow, bool drawn = false);
  ~GridDecoder();

  // Weights from a checkpoint (or any safetensors file with the model's names).
  void load(const io::SafeTensors& file, const std::string& source);
  // The weights of the parameters of the same names in `from` (a training program, say):
  // copied on the device, and waited for.
  void copy_weights(const graph::Program& from, const graph::Graph& from_graph);
  // Decodes `z` (count × latent; `labels`, one class per z, for conditional models) into the grid and
  // waits for it.
  void decode(const std::vector<float>& z, const std::vector<int>& labels);

  int64_t count() const { return count_; }
  ops::GridSize size() const { return graph_->grid_size; }
  ops::Tensor grid() const { return program_->tensor(graph_->grid); }
  Picture download() const;

 private:
  vk::Context& context_;
  TrainOptions options_;
  int64_t count_;
  bool drawn_;
  std::unique_ptr<models::DecodeGraph> graph_;
  std::unique_ptr<graph::Program> program_;
};

}  // namespace vkvae::train
