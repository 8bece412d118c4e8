#include "train/reconstructor.hpp"

#include <algorithm>
#include <numeric>

#include "nn/layers.hpp"
#include "ops/random.hpp"
#include "train/checkpoint.hpp"
#include "train/grid_decoder.hpp"

namespace vkvae::train {

Reconstructor::Reconstructor(vk::Context& context, ops::Kernels& kernels, const TrainOptions& options, const data::Dataset& data,
                             int64_t count, uint32_t nrow, bool drawn)
    : context_(context), options_(options), count_(std::min(count, data.size())), drawn_(drawn) {
  models::VaeConfig config = options.model_config(count_);
  config.batch = count_;
  config.binarize = false;
  graph_ = models::build_vae(config);
  graph::Graph& g = graph_->graph;
  const ops::GridLayout layout{nrow, 2};
  const models::ImageShape& image = options.image;
  const ops::Shape tiles{count_, image.channels, image.height, image.width};
  originals_ = nn::image_grid(g, g.view(graph_->x, tiles, "x_tiles"), layout, /*sigmoid=*/false, "originals");
  reconstructions_ = nn::image_grid(g, g.view(graph_->logits, tiles, "logit_tiles"), layout, /*sigmoid=*/true, "reconstructions");
  size_ = ops::grid_size(static_cast<uint32_t>(count_), static_cast<uint32_t>(image.height), static_cast<uint32_t>(image.width), layout);
  program_ = std::make_unique<graph::Program>(context, kernels, g, std::vector<graph::TensorId>{graph_->mu, originals_, reconstructions_});

  const auto pixels = static_cast<std::size_t>(count_ * options.pixels());
  const auto put = [&](graph::TensorId id, std::span<const std::byte> bytes) {
    const ops::Tensor t = program_->tensor(id);
    context.upload(*t.buffer, t.offset, bytes);
  };
  put(graph_->images, std::as_bytes(std::span<const uint8_t>(data.images.pixels.data(), pixels)));
  // Unlabeled data: class 0 for each (only conditional models read labels, and they need them).
  labels_.assign(static_cast<std::size_t>(count_), 0);
  if (data.labeled()) std::copy_n(data.labels.begin(), count_, labels_.begin());
  if (graph_->labels.valid()) put(graph_->labels, std::as_bytes(std::span<const uint8_t>(labels_)));
  std::vector<uint32_t> order(static_cast<std::size_t>(count_));
  std::iota(order.begin(), order.end(), 0u);
  put(graph_->order, std::as_bytes(std::span<const uint32_t>(order)));
  const uint32_t zero = 0;
  put(graph_->cursor, std::as_bytes(std::span<const uint32_t>(&zero, 1)));
  const ops::RngState rng = ops::RngState::from(options.seed, 0);
  put(graph_->rng, std::as_bytes(std::span<const ops::RngState>(&rng, 1)));
}

Reconstructor::~Reconstructor() {
  if (drawn_) context_.device().wait_idle();  // frames in flight may still draw the grids
}

void Reconstructor::load(const io::SafeTensors& file, const std::string& source) {
  load_weights(context_, *program_, graph_->graph, graph_->parameters, file, source);
}

void Reconstructor::copy_weights(const graph::Program& from, const graph::Graph& from_graph) {
  train::copy_weights(context_, *program_, graph_->graph, from, from_graph);
}

void Reconstructor::run() { run_program(context_, *program_, drawn_); }

std::vector<float> Reconstructor::mu() const {
  const ops::Tensor t = program_->tensor(graph_->mu);
  return context_.download<float>(*t.buffer, static_cast<std::size_t>(count_ * options_.latent()), t.offset);
}

}  // namespace vkvae::train
