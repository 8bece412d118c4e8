#include "train/inference.hpp"

#include <algorithm>
#include <cmath>

#include "nn/layers.hpp"
#include "ops/image.hpp"
#include "ops/random.hpp"
#include "train/checkpoint.hpp"
#include "util/error.hpp"
#include "util/identity_order.hpp"

namespace vkvae::train {

namespace {

using graph::Program;
using graph::Role;
using graph::TensorId;

// Rows a batch of the inference programs holds (fewer when the dataset is smaller).
constexpr int64_t kBatch = 1024;

template <typename T>
void put(vk::Context& context, const Program& p, TensorId id, std::span<const T> values) {
  const ops::Tensor t = p.tensor(id);
  context.upload(*t.buffer, t.offset, std::as_bytes(values));
}

std::vector<float> get(vk::Context& context, const Program& p, TensorId id, std::size_t count) {
  const ops::Tensor t = p.tensor(id);
  return context.download<float>(*t.buffer, count, t.offset);
}

}  // namespace

// The model's graph over batches of one dataset, forward only, with the checkpoint's
// parameters. Its "dataset" on the device is one batch, the rows asked for uploaded in order, so
// data of any size works.
struct TrainedModel::Attached {
  const data::Dataset* data = nullptr;
  bool binarized = false;
  int64_t batch = 0;
  std::vector<uint8_t> binarized_pixels;  // the dataset binarized once, when asked to be
  std::vector<uint8_t> batch_pixels, batch_labels;  // the rows of the batch in hand, uploaded
  std::unique_ptr<models::VaeGraph> model;
  std::unique_ptr<Program> program;
  // The dataset's pixels as the program gathers them.
  const std::vector<uint8_t>& pixels() const { return binarized_pixels.empty() ? data->images.pixels : binarized_pixels; }
};

// The importance sampler: batches of (image, sample) rows through a decoder program recorded
// once and replayed for every batch.
struct TrainedModel::Sampler {
  int64_t batch = 0;
  std::unique_ptr<models::ImportanceGraph> graph;
  std::unique_ptr<Program> program;
  std::unique_ptr<vk::CommandBuffer> commands;
};

namespace {

// The dataset's pixels as an importance estimate sees them: for a model trained on binarized
// images, Bernoulli(intensity) drawn once with the device's uniform draws, keyed apart from
// training's, so that every sample of an image sees the same binarization.
std::vector<uint8_t> binarized_pixels(const data::Dataset& data) {
  std::vector<uint8_t> pixels = data.images.pixels;
  const ops::RngState key = ops::RngState::from(0x62696e617279ull, 0);  // "binary"
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const float u = ops::standard_uniform(key, ops::RngStream::binarize, static_cast<uint32_t>(i));
    pixels[i] = u < static_cast<float>(pixels[i]) * (1.0f / 255.0f) ? 255 : 0;
  }
  return pixels;
}

}  // namespace

TrainedModel::TrainedModel(vk::Context& context, const std::filesystem::path& checkpoint)
    : context_(context), source_(checkpoint.string()) {
  checkpoint_ = io::read_safetensors(checkpoint);
  const CheckpointHeader header = read_checkpoint_header(checkpoint_, source_);
  options_ = header.options;
  step_ = header.progress.step;
  kernels_ = std::make_unique<ops::Kernels>(context);
}

TrainedModel::~TrainedModel() = default;

TrainedModel::Attached& TrainedModel::attach(const data::Dataset& data, bool binarized) {
  if (attached_ && attached_->data == &data && attached_->binarized == binarized) return *attached_;
  auto a = std::make_unique<Attached>();
  a->data = &data;
  a->binarized = binarized;
  a->batch = std::min<int64_t>(data.size(), kBatch);
  models::VaeConfig config = options_.model_config(a->batch);
  config.batch = a->batch;
  // The importance-weighted estimate needs one binarization of each image for all its samples:
  // the host binarizes the data once (below), and the graph gathers it as it is.
  config.binarize = options_.binarize && !binarized;
  a->model = models::build_vae(config);
  const models::VaeGraph& m = *a->model;
  a->program = std::make_unique<Program>(context_, *kernels_, m.graph, std::vector<TensorId>{m.recon, m.kl, m.mu, m.logvar, m.z, m.eps});
  const Program& p = *a->program;

  load_weights(context_, p, m.graph, m.parameters, checkpoint_, source_);

  if (binarized && options_.binarize) a->binarized_pixels = binarized_pixels(data);
  const std::vector<uint32_t> identity = identity_order(a->batch);
  put(context_, p, m.order, std::span<const uint32_t>(identity));
  attached_ = std::move(a);
  return *attached_;
}

void TrainedModel::run_rows(Attached& a, const std::vector<uint32_t>& rows, uint64_t seed, uint64_t step) {
  const Program& p = *a.program;
  const models::VaeGraph& m = *a.model;
  const auto d = static_cast<std::size_t>(options_.pixels()), batch = static_cast<std::size_t>(a.batch);
  a.batch_pixels.resize(batch * d);
  a.batch_labels.assign(batch, 0);
  for (std::size_t r = 0; r < batch; ++r) {
    const std::size_t row = r < rows.size() ? rows[r] : (rows.empty() ? 0 : rows.front());  // a short last batch repeats a row
    std::copy_n(a.pixels().begin() + static_cast<std::ptrdiff_t>(row * d), d, a.batch_pixels.begin() + static_cast<std::ptrdiff_t>(r * d));
    if (m.labels.valid() && !a.data->labels.empty()) a.batch_labels[r] = a.data->labels[row];
  }
  put(context_, p, m.images, std::span<const uint8_t>(a.batch_pixels));
  if (m.labels.valid()) put(context_, p, m.labels, std::span<const uint8_t>(a.batch_labels));
  const uint32_t zero = 0;
  put(context_, p, m.cursor, std::span<const uint32_t>(&zero, 1));
  const ops::RngState rng = ops::RngState::from(seed, step);
  put(context_, p, m.rng, std::span<const ops::RngState>(&rng, 1));
  vk::CommandBuffer commands = context_.commands();
  commands.begin();
  a.program->record(commands);
  commands.end();
  context_.submit_and_wait(commands);
}

Evaluation TrainedModel::evaluate(const data::Dataset& data, uint64_t seed) {
  Attached& a = attach(data, false);
  Evaluation e;
  for (int64_t first = 0, batch = 0; first < data.size(); first += a.batch, ++batch) {
    const int64_t n = std::min(a.batch, data.size() - first);
    std::vector<uint32_t> rows(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = static_cast<uint32_t>(first + i);
    run_rows(a, rows, seed, static_cast<uint64_t>(batch));
    const auto recon = get(context_, *a.program, a.model->recon, static_cast<std::size_t>(n));
    const auto kl = get(context_, *a.program, a.model->kl, static_cast<std::size_t>(n));
    e.recon.insert(e.recon.end(), recon.begin(), recon.end());
    e.kl.insert(e.kl.end(), kl.begin(), kl.end());
  }
  return e;
}

TrainedModel::Sampler& TrainedModel::sampler(int64_t batch) {
  if (sampler_ && sampler_->batch == batch) return *sampler_;
  auto s = std::make_unique<Sampler>();
  s->batch = batch;
  models::VaeConfig config = options_.model_config(batch);
  config.batch = batch;
  s->graph = models::build_importance_sampler(config);
  const models::ImportanceGraph& g = *s->graph;
  s->program = std::make_unique<Program>(context_, *kernels_, g.graph, std::vector<TensorId>{g.recon, g.z, g.eps});
  load_weights(context_, *s->program, g.graph, g.parameters, checkpoint_, source_);
  const std::vector<uint32_t> identity = identity_order(batch);
  put(context_, *s->program, g.order, std::span<const uint32_t>(identity));
  const uint32_t zero = 0;
  put(context_, *s->program, g.cursor, std::span<const uint32_t>(&zero, 1));
  const float one = 1.0f;
  put(context_, *s->program, g.recon_weight, std::span<const float>(&one, 1));
  s->commands = std::make_unique<vk::CommandBuffer>(context_.commands());
  s->commands->begin(vk::CommandBuffer::Use::kReplay);
  s->program->record(*s->commands);
  s->commands->end();
  sampler_ = std::move(s);
  return *sampler_;
}

std::vector<double> TrainedModel::importance_nll(const data::Dataset& data, int64_t k, uint64_t seed,
                                                 const std::function<void(int64_t, int64_t)>& progress) {
  if (options_.loss != ops::ReconLoss::bce_with_logits) {
    throw UsageError("the importance-weighted estimate needs a likelihood: this model was trained with --loss mse; use --k 0");
  }
  const auto latent = static_cast<std::size_t>(options_.latent());
  const auto images = static_cast<std::size_t>(data.size());
  // Each image is encoded once: μ and log σ² of q(z|x) for all its samples.
  Attached& a = attach(data, true);
  std::vector<float> mu, logvar;
  mu.reserve(images * latent);
  logvar.reserve(images * latent);
  for (std::size_t first = 0; first < images; first += static_cast<std::size_t>(a.batch)) {
    const std::size_t n = std::min(static_cast<std::size_t>(a.batch), images - first);
    std::vector<uint32_t> rows(n);
    for (std::size_t i = 0; i < n; ++i) rows[i] = static_cast<uint32_t>(first + i);
    run_rows(a, rows, seed, 0);
    const auto m = get(context_, *a.program, a.model->mu, n * latent), l = get(context_, *a.program, a.model->logvar, n * latent);
    mu.insert(mu.end(), m.begin(), m.end());
    logvar.insert(logvar.end(), l.begin(), l.end());
  }

  // Then K samples of each, in rows of (image, sample) pairs, batch by batch through one replayed
  // program. log w of a row: log p(x|z) + log p(z) − log q(z|x); with z = μ + σε,
  // log p(z) − log q(z|x) = Σ_j (ε_j² − z_j²)/2 + log σ²_j/2 (the 2π terms cancel).
  const int64_t total = data.size() * k;
  Sampler& s = sampler(std::min(total, kBatch));
  const models::ImportanceGraph& g = *s.graph;
  const auto batch = static_cast<std::size_t>(s.batch);
  const std::vector<uint8_t>& pixels = a.pixels();  // as the encoder saw them
  std::vector<double> best(images, -INFINITY), sum(images, 0.0);
  std::vector<std::size_t> owner(batch);
  const auto image_bytes = static_cast<std::size_t>(options_.pixels());
  std::vector<uint8_t> row_pixels(batch * image_bytes), row_labels(batch);
  std::vector<float> row_mu(batch * latent), row_logvar(batch * latent);
  for (int64_t first = 0, b = 0; first < total; first += s.batch, ++b) {
    const auto n = static_cast<std::size_t>(std::min(s.batch, total - first));
    for (std::size_t r = 0; r < batch; ++r) {
      // A short last batch repeats its first row: computed, never read.
      const std::size_t image = static_cast<std::size_t>((first + static_cast<int64_t>(r < n ? r : 0)) / k);
      owner[r] = image;
      std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(image * image_bytes), image_bytes,
                  row_pixels.begin() + static_cast<std::ptrdiff_t>(r * image_bytes));
      row_labels[r] = data.labels.empty() ? 0 : data.labels[image];
      std::copy_n(mu.begin() + static_cast<std::ptrdiff_t>(image * latent), latent, row_mu.begin() + static_cast<std::ptrdiff_t>(r * latent));
      std::copy_n(logvar.begin() + static_cast<std::ptrdiff_t>(image * latent), latent, row_logvar.begin() + static_cast<std::ptrdiff_t>(r * latent));
    }
    put(context_, *s.program, g.images, std::span<const uint8_t>(row_pixels));
    if (g.labels.valid()) put(context_, *s.program, g.labels, std::span<const uint8_t>(row_labels));
    const ops::RngState rng = ops::RngState::from(seed, static_cast<uint64_t>(b));
    put(context_, *s.program, g.rng, std::span<const ops::RngState>(&rng, 1));
    put(context_, *s.program, g.mu, std::span<const float>(row_mu));
    put(context_, *s.program, g.logvar, std::span<const float>(row_logvar));
    context_.submit_and_wait(*s.commands);
    const auto recon = get(context_, *s.program, g.recon, n);
    const auto z = get(context_, *s.program, g.z, n * latent);
    const auto eps = get(context_, *s.program, g.eps, n * latent);
    for (std::size_t r = 0; r < n; ++r) {
      double log_w = -static_cast<double>(recon[r]);
      for (std::size_t j = 0; j < latent; ++j) {
        const double e = eps[r * latent + j], zz = z[r * latent + j];
        log_w += 0.5 * (e * e - zz * zz + static_cast<double>(row_logvar[r * latent + j]));
      }
      // A running log-sum-exp per example: rescale when a larger term arrives.
      const std::size_t example = owner[r];
      if (log_w > best[example]) {
        sum[example] = sum[example] * std::exp(best[example] - log_w) + 1.0;
        best[example] = log_w;
      } else {
        sum[example] += std::exp(log_w - best[example]);
      }
    }
    if (progress) progress(first + static_cast<int64_t>(n), total);
  }
  std::vector<double> nll(best.size());
  for (std::size_t i = 0; i < nll.size(); ++i) nll[i] = -(best[i] + std::log(sum[i]) - std::log(static_cast<double>(k)));
  return nll;
}

std::vector<float> TrainedModel::encode(const data::Dataset& data, const std::vector<int64_t>& indices) {
  Attached& a = attach(data, false);
  const auto latent = static_cast<std::size_t>(options_.latent());
  std::vector<float> mu;
  for (std::size_t first = 0; first < indices.size(); first += static_cast<std::size_t>(a.batch)) {
    const std::size_t n = std::min(static_cast<std::size_t>(a.batch), indices.size() - first);
    std::vector<uint32_t> rows;
    for (std::size_t i = 0; i < n; ++i) rows.push_back(static_cast<uint32_t>(indices[first + i]));
    run_rows(a, rows, 0, 0);
    const auto values = get(context_, *a.program, a.model->mu, n * latent);
    mu.insert(mu.end(), values.begin(), values.end());
  }
  return mu;
}

Picture TrainedModel::decode(const std::vector<float>& z, const std::vector<int>& digits, uint32_t nrow) {
  const auto decoder = make_decoder(static_cast<int64_t>(z.size()) / options_.latent(), nrow);
  decoder->decode(z, digits);
  return decoder->download();
}

std::unique_ptr<GridDecoder> TrainedModel::make_decoder(int64_t count, uint32_t nrow, bool drawn) {
  auto decoder = std::make_unique<GridDecoder>(context_, *kernels_, options_, count, nrow, drawn);
  decoder->load(checkpoint_, source_);
  return decoder;
}

std::unique_ptr<BatchPass> TrainedModel::make_pass(int64_t batch, Pass pass) {
  auto p = std::make_unique<BatchPass>(context_, *kernels_, options_, batch, pass);
  p->load(checkpoint_, source_);
  return p;
}

}  // namespace vkvae::train
