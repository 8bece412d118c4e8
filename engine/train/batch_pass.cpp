#include "train/batch_pass.hpp"

#include <algorithm>

#include "ops/random.hpp"
#include "train/checkpoint.hpp"
#include "util/error.hpp"

namespace vkvae::train {

BatchPass::BatchPass(vk::Context& context, ops::Kernels& kernels, const TrainOptions& options, int64_t batch, Pass pass)
    : context_(context), batch_(batch), latent_(options.latent()), pixels_(options.pixels()), classes_(options.classes), pass_(pass) {
  models::VaeConfig config = options.model_config(batch);
  config.batch = batch;
  std::vector<graph::TensorId> outputs;
  if (pass == Pass::decode) {
    decoder_ = models::build_mean_decoder(config, batch);
    input_ = decoder_->z;
    labels_ = decoder_->labels;
    mean_ = decoder_->mean;
    parameters_ = &decoder_->parameters;
    graph_ = &decoder_->graph;
    outputs = {mean_};
  } else {
    autoencoder_ = models::build_autoencoder(config, pass == Pass::reconstruct_sampled);
    input_ = autoencoder_->x;
    labels_ = autoencoder_->labels;
    rng_ = autoencoder_->rng;
    mu_ = autoencoder_->mu;
    logvar_ = autoencoder_->logvar;
    mean_ = autoencoder_->mean;
    recon_ = autoencoder_->recon;
    kl_ = autoencoder_->kl;
    parameters_ = &autoencoder_->parameters;
    graph_ = &autoencoder_->graph;
    outputs = {mu_, logvar_, mean_, recon_, kl_};
  }
  program_ = std::make_unique<graph::Program>(context, kernels, *graph_, outputs);
  if (autoencoder_) {
    const float one = 1.0f;  // per-example terms, unscaled
    for (graph::TensorId weight : {autoencoder_->recon_weight, autoencoder_->kl_weight}) {
      const ops::Tensor t = program_->tensor(weight);
      context.upload(*t.buffer, t.offset, std::as_bytes(std::span<const float>(&one, 1)));
    }
  }
  commands_ = std::make_unique<vk::CommandBuffer>(context.commands());
  commands_->begin(vk::CommandBuffer::Use::kReplay);
  program_->record(*commands_);
  commands_->end();
}

BatchPass::~BatchPass() = default;

void BatchPass::load(const io::SafeTensors& file, const std::string& source) {
  load_weights(context_, *program_, *graph_, *parameters_, file, source);
}

void BatchPass::copy_weights(const graph::Program& from, const graph::Graph& from_graph) {
  train::copy_weights(context_, *program_, *graph_, from, from_graph);
}

int64_t BatchPass::input_width() const { return pass_ == Pass::decode ? latent_ : pixels_; }

BatchPass::Output BatchPass::run(std::span<const float> input, std::span<const uint8_t> labels, unsigned read, uint64_t seed, uint64_t step) {
  const auto width = static_cast<std::size_t>(input_width());
  const std::size_t rows = input.size() / width;
  if (rows * width != input.size() || rows == 0 || rows > static_cast<std::size_t>(batch_)) {
    throw Error("BatchPass: " + std::to_string(input.size()) + " values are not 1–" + std::to_string(batch_) + " rows of " + std::to_string(width));
  }
  const auto upload = [&](graph::TensorId id, std::span<const std::byte> bytes) {
    const ops::Tensor t = program_->tensor(id);
    context_.upload(*t.buffer, t.offset, bytes);
  };
  // A short batch leaves the rest of the rows as the last batch had them: they are computed and
  // never read.
  upload(input_, std::as_bytes(input));
  if (labels_.valid()) {
    if (labels.size() != rows) throw Error("BatchPass: a conditional model needs a label per row");
    std::vector<float> one_hot(rows * static_cast<std::size_t>(classes_), 0.0f);
    for (std::size_t r = 0; r < rows; ++r) {
      if (labels[r] >= classes_) throw Error("BatchPass: label " + std::to_string(labels[r]) + " is not a class of this model");
      one_hot[r * static_cast<std::size_t>(classes_) + labels[r]] = 1.0f;
    }
    upload(labels_, std::as_bytes(std::span<const float>(one_hot)));
  }
  if (rng_.valid()) {
    const ops::RngState rng = ops::RngState::from(seed, step);
    upload(rng_, std::as_bytes(std::span<const ops::RngState>(&rng, 1)));
  }
  context_.submit_and_wait(*commands_);
  const auto download = [&](graph::TensorId id, std::size_t count) {
    const ops::Tensor t = program_->tensor(id);
    return context_.download<float>(*t.buffer, count, t.offset);
  };
  Output out;
  if (read & kMean) out.mean = download(mean_, rows * static_cast<std::size_t>(pixels_));
  if ((read & kScore) && pass_ != Pass::decode) {
    out.recon = download(recon_, rows);
    out.kl = download(kl_, rows);
  }
  if ((read & kLatents) && pass_ != Pass::decode) {
    out.mu = download(mu_, rows * static_cast<std::size_t>(latent_));
    out.logvar = download(logvar_, rows * static_cast<std::size_t>(latent_));
  }
  return out;
}

}  // namespace vkvae::train
