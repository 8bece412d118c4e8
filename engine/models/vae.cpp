#include "models/vae.hpp"

#include "nn/importance.hpp"
#include "nn/layers.hpp"

namespace vkvae::models {
namespace {

using graph::Graph;
using graph::TensorId;

ops::Shape batched(int64_t batch, const std::vector<int64_t>& shape) {
  return shape.size() == 1 ? ops::Shape{batch, shape[0]} : ops::Shape{batch, shape[0], shape[1], shape[2]};
}

// A parameterized layer's weight and bias, declared in `params` (weight then bias).
struct Weights {
  TensorId weight, bias;
};
Weights declare(Graph& g, std::vector<TensorId>& params, const std::string& prefix, const std::vector<int64_t>& weight, int64_t bias) {
  ops::Shape shape = weight.size() == 2 ? ops::Shape{weight[0], weight[1]} : ops::Shape{weight[0], weight[1], weight[2], weight[3]};
  Weights w{g.parameter(prefix + ".weight", shape), g.parameter(prefix + ".bias", {bias})};
  params.push_back(w.weight);
  params.push_back(w.bias);
  return w;
}

// Runs one part's layers on x (batch, …), joining the one-hot label where the plan says.
TensorId run_layers(Graph& g, std::vector<TensorId>& params, const std::vector<LayerPlan>& plans, TensorId x, TensorId one_hot,
                    int64_t batch) {
  for (const LayerPlan& p : plans) {
    const LayerSpec& l = *p.spec;
    const std::string name = p.prefix + ".out";
    switch (l.type) {
      case LayerType::flatten:
      case LayerType::unflatten: {
        std::vector<int64_t> shape = p.out;
        if (p.label_after) shape[0] -= one_hot.valid() ? g.info(one_hot).shape[1] : 0;
        x = g.view(x, batched(batch, shape), name);
        break;
      }
      case LayerType::linear: {
        const Weights w = declare(g, params, p.prefix, p.weight, p.out_size);
        x = nn::linear(g, x, w.weight, w.bias, l.activation, name);
        break;
      }
      case LayerType::conv2d:
      case LayerType::conv_transpose2d: {
        const Weights w = declare(g, params, p.prefix, p.weight, p.out_size);
        const ops::ConvParams conv{static_cast<uint32_t>(l.stride), static_cast<uint32_t>(l.padding), static_cast<uint32_t>(l.output_padding)};
        x = l.type == LayerType::conv2d ? nn::conv2d(g, x, w.weight, w.bias, conv, l.activation, name)
                                        : nn::conv_transpose2d(g, x, w.weight, w.bias, conv, l.activation, name);
        break;
      }
    }
    if (p.label_after) x = nn::concat(g, x, one_hot, p.prefix + ".labeled");
  }
  return x;
}

struct Posterior {
  TensorId mu, logvar;
};

// x (B, C·H·W) [, one-hot (B, classes)] → μ, log σ² (B, latent), declaring the encoder's and the
// heads' parameters.
Posterior encoder(Graph& g, std::vector<TensorId>& params, const Architecture& a, const ModelSpec& spec, TensorId x, TensorId one_hot,
                  int64_t batch) {
  const TensorId image = g.view(x, {batch, a.image.channels, a.image.height, a.image.width}, "x_image");
  const TensorId h = run_layers(g, params, a.encoder, image, one_hot, batch);
  const Weights mu = declare(g, params, spec.mu_name, {a.latent, a.features}, a.latent);
  const Weights logvar = declare(g, params, spec.logvar_name, {a.latent, a.features}, a.latent);
  return {nn::linear(g, h, mu.weight, mu.bias, {}, "mu"), nn::linear(g, h, logvar.weight, logvar.bias, {}, "logvar")};
}

// z (B, latent) [, one-hot (B, classes)] → logits (B, C, H, W), declaring the decoder's parameters.
TensorId decoder(Graph& g, std::vector<TensorId>& params, const Architecture& a, TensorId z, TensorId one_hot, int64_t batch) {
  const TensorId input = one_hot.valid() ? nn::concat(g, z, one_hot, "z_labeled") : z;
  const TensorId out = run_layers(g, params, a.decoder, input, TensorId{}, batch);
  return g.view(out, {batch, a.image.channels, a.image.height, a.image.width}, "logits_image");
}

Architecture architecture(const VaeConfig& c) { return plan_architecture(c.spec, c.image, c.classes, c.origin); }

int64_t pixels(const VaeConfig& c) { return c.image.size(); }

// What the reconstruction loss compares with x: the logits (BCE with logits), or the mean
// σ(logits) (squared error).
TensorId prediction(Graph& g, const VaeConfig& c, TensorId logits) {
  return c.loss == ops::ReconLoss::squared_error ? nn::activation(g, logits, {ops::Activation::sigmoid}, "mean") : logits;
}

// The importance-weighted bound's tail of the training graph, after the encoder: K samples of
// each example in consecutive rows through the decoder. log σ² is repeated twice, for the
// reparameterization and for the bound, so that each repetition's gradient arrives in one go.
void importance_weighted(VaeGraph& m, const Architecture& arch, const VaeConfig& c, TensorId one_hot) {
  Graph& g = m.graph;
  const int64_t k = c.k, rows = c.batch * c.k;
  const TensorId mu = nn::repeat_rows(g, m.mu, k, "mu_samples");
  const TensorId logvar = nn::repeat_rows(g, m.logvar, k, "logvar_samples");
  m.z = nn::reparameterize(g, mu, logvar, m.rng, "z", &m.eps);
  const TensorId labels = one_hot.valid() ? nn::repeat_rows(g, one_hot, k, "y_samples") : TensorId{};
  m.logits = g.view(decoder(g, m.parameters, arch, m.z, labels, rows), {rows, pixels(c)}, "logits");
  const TensorId terms = nn::recon_terms(g, c.loss, prediction(g, c, m.logits), nn::repeat_rows(g, m.x, k, "x_samples"), "recon_samples");
  m.recon = nn::iwae_bound(g, terms, m.z, m.eps, nn::repeat_rows(g, m.logvar, k, "logvar_bound"), m.recon_weight, k, "iwae");
  m.kl = nn::kl_value(g, m.mu, m.logvar, "kl");
}

}  // namespace

std::unique_ptr<VaeGraph> build_vae(const VaeConfig& c) {
  auto m = std::make_unique<VaeGraph>();
  const Architecture arch = architecture(c);
  Graph& g = m->graph;
  m->images = g.input("images", {c.dataset_size, pixels(c)}, ops::DType::u8);
  if (c.spec.conditional) m->labels = g.input("labels", {c.dataset_size}, ops::DType::u8);
  m->order = g.input("order", {c.dataset_size}, ops::DType::u32);
  m->recon_weight = g.state("recon_weight", {1});
  m->kl_weight = g.state("kl_weight", {1});
  m->step = g.state("step", {1}, ops::DType::u32);
  m->rng = g.state("rng", {4}, ops::DType::u32);
  m->cursor = g.state("cursor", {1}, ops::DType::u32);

  m->x = nn::gather_images(g, m->images, m->order, m->cursor, m->rng, c.batch, c.binarize, "x");
  const TensorId one_hot = m->labels.valid() ? nn::gather_one_hot(g, m->labels, m->order, m->cursor, c.batch, c.classes, "y") : TensorId{};
  const Posterior q = encoder(g, m->parameters, arch, c.spec, m->x, one_hot, c.batch);
  m->mu = q.mu;
  m->logvar = q.logvar;
  if (c.objective == Objective::iwae) {
    importance_weighted(*m, arch, c, one_hot);
    return m;
  }
  m->z = nn::reparameterize(g, m->mu, m->logvar, m->rng, "z", &m->eps);
  m->logits = g.view(decoder(g, m->parameters, arch, m->z, one_hot, c.batch), {c.batch, pixels(c)}, "logits");
  m->recon = nn::recon_loss(g, c.loss, prediction(g, c, m->logits), m->x, m->recon_weight, "recon");
  m->kl = nn::kl_divergence(g, m->mu, m->logvar, m->kl_weight, "kl");
  return m;
}

std::unique_ptr<AutoencodeGraph> build_autoencoder(const VaeConfig& c, bool sample_z) {
  auto a = std::make_unique<AutoencodeGraph>();
  const Architecture arch = architecture(c);
  Graph& g = a->graph;
  a->x = g.input("x", {c.batch, pixels(c)});
  if (c.spec.conditional) a->labels = g.input("labels_one_hot", {c.batch, c.classes});
  if (sample_z) a->rng = g.state("rng", {4}, ops::DType::u32);
  const Posterior q = encoder(g, a->parameters, arch, c.spec, a->x, a->labels, c.batch);
  a->mu = q.mu;
  a->logvar = q.logvar;
  const TensorId z = sample_z ? nn::reparameterize(g, a->mu, a->logvar, a->rng, "z") : a->mu;
  const TensorId logits = g.view(decoder(g, a->parameters, arch, z, a->labels, c.batch), {c.batch, pixels(c)}, "logits");
  a->mean = nn::activation(g, logits, {ops::Activation::sigmoid}, "mean");
  a->recon_weight = g.state("recon_weight", {1});
  a->kl_weight = g.state("kl_weight", {1});
  a->recon = nn::recon_loss(g, c.loss, c.loss == ops::ReconLoss::squared_error ? a->mean : logits, a->x, a->recon_weight, "recon");
  a->kl = nn::kl_divergence(g, a->mu, a->logvar, a->kl_weight, "kl");
  return a;
}

std::unique_ptr<ImportanceGraph> build_importance_sampler(const VaeConfig& c) {
  auto s = std::make_unique<ImportanceGraph>();
  const Architecture arch = architecture(c);
  Graph& g = s->graph;
  s->images = g.input("images", {c.batch, pixels(c)}, ops::DType::u8);
  if (c.spec.conditional) s->labels = g.input("labels", {c.batch}, ops::DType::u8);
  s->order = g.input("order", {c.batch}, ops::DType::u32);
  s->cursor = g.state("cursor", {1}, ops::DType::u32);
  s->rng = g.state("rng", {4}, ops::DType::u32);
  s->recon_weight = g.state("recon_weight", {1});
  s->mu = g.input("mu", {c.batch, c.spec.latent});
  s->logvar = g.input("logvar", {c.batch, c.spec.latent});
  const TensorId x = nn::gather_images(g, s->images, s->order, s->cursor, s->rng, c.batch, /*binarize=*/false, "x");
  const TensorId one_hot = s->labels.valid() ? nn::gather_one_hot(g, s->labels, s->order, s->cursor, c.batch, c.classes, "y") : TensorId{};
  s->z = nn::reparameterize(g, s->mu, s->logvar, s->rng, "z", &s->eps);
  const TensorId logits = g.view(decoder(g, s->parameters, arch, s->z, one_hot, c.batch), {c.batch, pixels(c)}, "logits");
  s->recon = nn::recon_loss(g, c.loss, logits, x, s->recon_weight, "recon");
  return s;
}

namespace {

std::unique_ptr<DecodeGraph> decoder_of_z(const VaeConfig& c, int64_t count) {
  auto d = std::make_unique<DecodeGraph>();
  const Architecture arch = architecture(c);
  Graph& g = d->graph;
  d->z = g.input("z", {count, c.spec.latent});
  if (c.spec.conditional) d->labels = g.input("labels_one_hot", {count, c.classes});
  d->logits = decoder(g, d->parameters, arch, d->z, d->labels, count);
  return d;
}

}  // namespace

std::unique_ptr<DecodeGraph> build_mean_decoder(const VaeConfig& c, int64_t count) {
  auto d = decoder_of_z(c, count);
  Graph& g = d->graph;
  d->mean = nn::activation(g, g.view(d->logits, {count, pixels(c)}, "logits"), {ops::Activation::sigmoid}, "mean");
  return d;
}

std::unique_ptr<DecodeGraph> build_decoder(const VaeConfig& c, int64_t count, const ops::GridLayout& layout) {
  auto d = decoder_of_z(c, count);
  Graph& g = d->graph;
  d->grid = nn::image_grid(g, d->logits, layout, /*sigmoid=*/true, "grid");
  d->grid_size = ops::grid_size(static_cast<uint32_t>(count), static_cast<uint32_t>(c.image.height), static_cast<uint32_t>(c.image.width), layout);
  return d;
}

}  // namespace vkvae::models
