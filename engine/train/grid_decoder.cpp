#include "train/grid_decoder.hpp"

#include "train/checkpoint.hpp"
#include "util/error.hpp"

namespace vkvae::train {

void run_program(vk::Context& context, graph::Program& program, bool drawn) {
  vk::CommandBuffer commands = context.commands();
  commands.begin();
  if (drawn) commands.barrier(vk::kFragmentRead, vk::kComputeWrite);  // frames in flight still read the outputs
  program.record(commands);
  commands.end();
  context.submit_and_wait(commands, drawn ? &context.device().render_queue() : nullptr);
}

GridDecoder::GridDecoder(vk::Context& context, ops::Kernels& kernels, const TrainOptions& options, int64_t count, uint32_t nrow,
                         bool drawn)
    : context_(context), options_(options), count_(count), drawn_(drawn) {
  graph_ = models::build_decoder(options.model_config(1), count, {nrow, 2});
  program_ = std::make_unique<graph::Program>(context, kernels, graph_->graph, std::vector<graph::TensorId>{graph_->grid});
}

GridDecoder::~GridDecoder() {
  // Frames in flight may still read the grid; its memory must outlive them.
  if (drawn_) context_.device().wait_idle();
}

void GridDecoder::load(const io::SafeTensors& file, const std::string& source) {
  load_weights(context_, *program_, graph_->graph, graph_->parameters, file, source);
}

void GridDecoder::copy_weights(const graph::Program& from, const graph::Graph& from_graph) {
  train::copy_weights(context_, *program_, graph_->graph, from, from_graph);
}

void GridDecoder::decode(const std::vector<float>& z, const std::vector<int>& labels) {
  const auto latent = static_cast<std::size_t>(options_.latent());
  if (z.size() != static_cast<std::size_t>(count_) * latent) {
    throw Error("decode: " + std::to_string(z.size()) + " values for " + std::to_string(count_) + " z of " + std::to_string(latent));
  }
  const ops::Tensor zt = program_->tensor(graph_->z);
  context_.upload(*zt.buffer, zt.offset, std::as_bytes(std::span<const float>(z)));
  if (graph_->labels.valid()) {
    const int64_t classes = options_.classes;
    std::vector<float> one_hot(static_cast<std::size_t>(count_ * classes), 0.0f);
    for (int64_t i = 0; i < count_; ++i) {
      const int label = labels.at(static_cast<std::size_t>(i));
      if (label < 0 || label >= classes) throw Error("decode: class " + std::to_string(label) + " is not 0–" + std::to_string(classes - 1));
      one_hot[static_cast<std::size_t>(i * classes + label)] = 1.0f;
    }
    const ops::Tensor lt = program_->tensor(graph_->labels);
    context_.upload(*lt.buffer, lt.offset, std::as_bytes(std::span<const float>(one_hot)));
  }
  run_program(context_, *program_, drawn_);
}

Picture GridDecoder::download() const { return download_picture(context_, grid(), size()); }

}  // namespace vkvae::train
