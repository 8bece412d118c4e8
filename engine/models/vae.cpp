#include "models/vae.hpp"

#include <array>

#include "nn/layers.hpp"

namespace vkvae::models {
namespace {

using graph::Graph;
using graph::TensorId;

const ops::ActivationSpec kRelu{ops::Activation::relu};

constexpr std::array<std::pair<ModelKind, std::string_view>, 5> kNames = {{
    {ModelKind::mlp, "mlp"}, {ModelKind::conv, "conv"}, {ModelKind::cmlp, "cmlp"},
    {ModelKind::cconv, "cconv"}, {ModelKind::mlp2, "mlp2"}}};

// Declares a layer's weight and bias, recording them in `all`.
struct Layer {
  TensorId weight, bias;
};
Layer layer(Graph& g, std::vector<TensorId>& all, const std::string& name, const ops::Shape& weight, int64_t bias) {
  Layer l{g.parameter(name + ".weight", weight), g.parameter(name + ".bias", {bias})};
  all.push_back(l.weight);
  all.push_back(l.bias);
  return l;
}

TensorId apply(Graph& g, const Layer& l, TensorId x, ops::ActivationSpec act, const std::string& name) {
  return nn::linear(g, x, l.weight, l.bias, act, name);
}

// The one-hot labels appended to x when the model is conditional.
TensorId condition(Graph& g, TensorId x, TensorId one_hot, const std::string& name) {
  return one_hot.valid() ? nn::concat(g, x, one_hot, name) : x;
}

int64_t extra(TensorId one_hot) { return one_hot.valid() ? kClasses : 0; }

struct Posterior {
  TensorId mu, logvar;
};

// x (B, 784) [, one-hot (B, 10)] → μ, log σ² (B, latent), declaring the encoder's parameters.
Posterior encoder(Graph& g, std::vector<TensorId>& params, const VaeConfig& c, TensorId x, TensorId one_hot) {
  const int64_t batch = c.batch;
  TensorId h;
  if (is_convolutional(c.kind)) {
    const Layer conv1 = layer(g, params, "enc_conv1", {32, 1, 3, 3}, 32);
    const Layer conv2 = layer(g, params, "enc_conv2", {64, 32, 3, 3}, 64);
    const Layer fc = layer(g, params, "enc_fc", {c.hidden, 3136 + extra(one_hot)}, c.hidden);
    const ops::ConvParams down{2, 1, 0};
    const TensorId e1 = nn::conv2d(g, g.view(x, {batch, 1, 28, 28}, "x_image"), conv1.weight, conv1.bias, down, kRelu, "e1");
    const TensorId e2 = nn::conv2d(g, e1, conv2.weight, conv2.bias, down, kRelu, "e2");
    const TensorId flat = condition(g, g.view(e2, {batch, 3136}, "e2_flat"), one_hot, "e2_labeled");
    h = apply(g, fc, flat, kRelu, "h");
    const Layer fc_mu = layer(g, params, "fc_mu", {c.latent, c.hidden}, c.latent);
    const Layer fc_logvar = layer(g, params, "fc_logvar", {c.latent, c.hidden}, c.latent);
    return {apply(g, fc_mu, h, {}, "mu"), apply(g, fc_logvar, h, {}, "logvar")};
  }
  const Layer fc1 = layer(g, params, "fc1", {c.hidden, kPixels + extra(one_hot)}, c.hidden);
  h = apply(g, fc1, condition(g, x, one_hot, "x_labeled"), kRelu, "h");
  const Layer fc21 = layer(g, params, "fc21", {c.latent, c.hidden}, c.latent);
  const Layer fc22 = layer(g, params, "fc22", {c.latent, c.hidden}, c.latent);
  return {apply(g, fc21, h, {}, "mu"), apply(g, fc22, h, {}, "logvar")};
}

// z (B, latent) [, one-hot (B, 10)] → logits (B, 1, 28, 28), declaring the decoder's parameters.
TensorId decoder(Graph& g, std::vector<TensorId>& params, const VaeConfig& c, TensorId z, TensorId one_hot, int64_t batch) {
  const TensorId input = condition(g, z, one_hot, "z_labeled");
  if (is_convolutional(c.kind)) {
    const Layer fc1 = layer(g, params, "dec_fc1", {c.hidden, c.latent + extra(one_hot)}, c.hidden);
    const Layer fc2 = layer(g, params, "dec_fc2", {3136, c.hidden}, 3136);
    const Layer deconv1 = layer(g, params, "dec_deconv1", {64, 32, 3, 3}, 32);
    const Layer deconv2 = layer(g, params, "dec_deconv2", {32, 1, 3, 3}, 1);
    const ops::ConvParams up{2, 1, 1};
    const TensorId d1 = apply(g, fc1, input, kRelu, "d1");
    const TensorId d2 = apply(g, fc2, d1, kRelu, "d2");
    const TensorId d3 = nn::conv_transpose2d(g, g.view(d2, {batch, 64, 7, 7}, "d2_image"), deconv1.weight, deconv1.bias, up, kRelu, "d3");
    return nn::conv_transpose2d(g, d3, deconv2.weight, deconv2.bias, up, {}, "logits_image");
  }
  const Layer fc3 = layer(g, params, "fc3", {c.hidden, c.latent + extra(one_hot)}, c.hidden);
  const Layer fc4 = layer(g, params, "fc4", {kPixels, c.hidden}, kPixels);
  const TensorId d = apply(g, fc3, input, kRelu, "d");
  return g.view(apply(g, fc4, d, {}, "logits_flat"), {batch, 1, 28, 28}, "logits_image");
}

}  // namespace

std::string_view model_name(ModelKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<ModelKind> parse_model(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool is_conditional(ModelKind kind) { return kind == ModelKind::cmlp || kind == ModelKind::cconv; }
bool is_convolutional(ModelKind kind) { return kind == ModelKind::conv || kind == ModelKind::cconv; }

std::unique_ptr<VaeGraph> build_vae(const VaeConfig& c) {
  auto m = std::make_unique<VaeGraph>();
  Graph& g = m->graph;
  m->images = g.input("images", {c.dataset_size, kPixels}, ops::DType::u8);
  if (is_conditional(c.kind)) m->labels = g.input("labels", {c.dataset_size}, ops::DType::u8);
  m->order = g.input("order", {c.dataset_size}, ops::DType::u32);
  m->recon_weight = g.state("recon_weight", {1});
  m->kl_weight = g.state("kl_weight", {1});
  m->step = g.state("step", {1}, ops::DType::u32);
  m->rng = g.state("rng", {4}, ops::DType::u32);
  m->cursor = g.state("cursor", {1}, ops::DType::u32);

  m->x = nn::gather_images(g, m->images, m->order, m->cursor, m->rng, c.batch, c.binarize, "x");
  const TensorId one_hot = m->labels.valid() ? nn::gather_one_hot(g, m->labels, m->order, m->cursor, c.batch, kClasses, "y") : TensorId{};
  const Posterior q = encoder(g, m->parameters, c, m->x, one_hot);
  m->mu = q.mu;
  m->logvar = q.logvar;
  m->z = nn::reparameterize(g, m->mu, m->logvar, m->rng, "z", &m->eps);
  m->logits = g.view(decoder(g, m->parameters, c, m->z, one_hot, c.batch), {c.batch, kPixels}, "logits");
  const TensorId prediction = c.loss == ops::ReconLoss::squared_error ? nn::activation(g, m->logits, {ops::Activation::sigmoid}, "mean") : m->logits;
  m->recon = nn::recon_loss(g, c.loss, prediction, m->x, m->recon_weight, "recon");
  m->kl = nn::kl_divergence(g, m->mu, m->logvar, m->kl_weight, "kl");
  return m;
}

std::unique_ptr<AutoencodeGraph> build_autoencoder(const VaeConfig& c, bool sample_z) {
  auto a = std::make_unique<AutoencodeGraph>();
  Graph& g = a->graph;
  a->x = g.input("x", {c.batch, kPixels});
  if (is_conditional(c.kind)) a->labels = g.input("labels_one_hot", {c.batch, kClasses});
  if (sample_z) a->rng = g.state("rng", {4}, ops::DType::u32);
  const Posterior q = encoder(g, a->parameters, c, a->x, a->labels);
  a->mu = q.mu;
  a->logvar = q.logvar;
  const TensorId z = sample_z ? nn::reparameterize(g, a->mu, a->logvar, a->rng, "z") : a->mu;
  const TensorId logits = g.view(decoder(g, a->parameters, c, z, a->labels, c.batch), {c.batch, kPixels}, "logits");
  a->mean = nn::activation(g, logits, {ops::Activation::sigmoid}, "mean");
  a->recon_weight = g.state("recon_weight", {1});
  a->kl_weight = g.state("kl_weight", {1});
  a->recon = nn::recon_loss(g, c.loss, c.loss == ops::ReconLoss::squared_error ? a->mean : logits, a->x, a->recon_weight, "recon");
  a->kl = nn::kl_divergence(g, a->mu, a->logvar, a->kl_weight, "kl");
  return a;
}

std::unique_ptr<ImportanceGraph> build_importance_sampler(const VaeConfig& c) {
  auto s = std::make_unique<ImportanceGraph>();
  Graph& g = s->graph;
  s->images = g.input("images", {c.batch, kPixels}, ops::DType::u8);
  if (is_conditional(c.kind)) s->labels = g.input("labels", {c.batch}, ops::DType::u8);
  s->order = g.input("order", {c.batch}, ops::DType::u32);
  s->cursor = g.state("cursor", {1}, ops::DType::u32);
  s->rng = g.state("rng", {4}, ops::DType::u32);
  s->recon_weight = g.state("recon_weight", {1});
  s->mu = g.input("mu", {c.batch, c.latent});
  s->logvar = g.input("logvar", {c.batch, c.latent});
  const TensorId x = nn::gather_images(g, s->images, s->order, s->cursor, s->rng, c.batch, /*binarize=*/false, "x");
  const TensorId one_hot = s->labels.valid() ? nn::gather_one_hot(g, s->labels, s->order, s->cursor, c.batch, kClasses, "y") : TensorId{};
  s->z = nn::reparameterize(g, s->mu, s->logvar, s->rng, "z", &s->eps);
  const TensorId logits = g.view(decoder(g, s->parameters, c, s->z, one_hot, c.batch), {c.batch, kPixels}, "logits");
  s->recon = nn::recon_loss(g, c.loss, logits, x, s->recon_weight, "recon");
  return s;
}

namespace {

std::unique_ptr<DecodeGraph> decoder_of_z(const VaeConfig& c, int64_t count) {
  auto d = std::make_unique<DecodeGraph>();
  Graph& g = d->graph;
  d->z = g.input("z", {count, c.latent});
  if (is_conditional(c.kind)) d->labels = g.input("labels_one_hot", {count, kClasses});
  d->logits = decoder(g, d->parameters, c, d->z, d->labels, count);
  return d;
}

}  // namespace

std::unique_ptr<DecodeGraph> build_mean_decoder(const VaeConfig& c, int64_t count) {
  auto d = decoder_of_z(c, count);
  Graph& g = d->graph;
  d->mean = nn::activation(g, g.view(d->logits, {count, kPixels}, "logits"), {ops::Activation::sigmoid}, "mean");
  return d;
}

std::unique_ptr<DecodeGraph> build_decoder(const VaeConfig& c, int64_t count, const ops::GridLayout& layout) {
  auto d = decoder_of_z(c, count);
  Graph& g = d->graph;
  d->grid = nn::image_grid(g, d->logits, layout, /*sigmoid=*/true, "grid");
  d->grid_size = ops::grid_size(static_cast<uint32_t>(count), 28, 28, layout);
  return d;
}

}  // namespace vkvae::models
