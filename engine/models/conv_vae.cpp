#include "models/conv_vae.hpp"

#include "nn/layers.hpp"

namespace vkvae::models {
namespace {

using graph::Graph;
using graph::TensorId;

const ops::ActivationSpec kRelu{ops::Activation::relu};

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

// z (B, latent) → logits (B, 1, 28, 28), declaring the decoder's parameters.
TensorId decoder(Graph& g, std::vector<TensorId>& params, const ConvVaeConfig& c, TensorId z, int64_t batch) {
  const Layer fc1 = layer(g, params, "dec_fc1", {c.hidden, c.latent}, c.hidden);
  const Layer fc2 = layer(g, params, "dec_fc2", {3136, c.hidden}, 3136);
  const Layer deconv1 = layer(g, params, "dec_deconv1", {64, 32, 3, 3}, 32);
  const Layer deconv2 = layer(g, params, "dec_deconv2", {32, 1, 3, 3}, 1);
  const ops::ConvParams up{2, 1, 1};
  const TensorId d1 = nn::linear(g, z, fc1.weight, fc1.bias, kRelu, "d1");
  const TensorId d2 = nn::linear(g, d1, fc2.weight, fc2.bias, kRelu, "d2");
  const TensorId d3 = nn::conv_transpose2d(g, g.view(d2, {batch, 64, 7, 7}, "d2_image"), deconv1.weight, deconv1.bias, up, kRelu, "d3");
  return nn::conv_transpose2d(g, d3, deconv2.weight, deconv2.bias, up, {}, "logits_image");
}

}  // namespace

std::unique_ptr<VaeGraph> build_conv_vae(const ConvVaeConfig& c) {
  auto m = std::make_unique<VaeGraph>();
  Graph& g = m->graph;
  m->images = g.input("images", {c.dataset_size, 784}, ops::DType::u8);
  m->order = g.input("order", {c.dataset_size}, ops::DType::u32);
  m->recon_weight = g.state("recon_weight", {1});
  m->kl_weight = g.state("kl_weight", {1});
  m->step = g.state("step", {1}, ops::DType::u32);
  m->rng = g.state("rng", {4}, ops::DType::u32);
  m->cursor = g.state("cursor", {1}, ops::DType::u32);

  const Layer conv1 = layer(g, m->parameters, "enc_conv1", {32, 1, 3, 3}, 32);
  const Layer conv2 = layer(g, m->parameters, "enc_conv2", {64, 32, 3, 3}, 64);
  const Layer fc = layer(g, m->parameters, "enc_fc", {c.hidden, 3136}, c.hidden);
  const Layer fc_mu = layer(g, m->parameters, "fc_mu", {c.latent, c.hidden}, c.latent);
  const Layer fc_logvar = layer(g, m->parameters, "fc_logvar", {c.latent, c.hidden}, c.latent);
  const ops::ConvParams down{2, 1, 0};

  m->x = nn::gather_images(g, m->images, m->order, m->cursor, m->rng, c.batch, c.binarize, "x");
  const TensorId e1 = nn::conv2d(g, g.view(m->x, {c.batch, 1, 28, 28}, "x_image"), conv1.weight, conv1.bias, down, kRelu, "e1");
  const TensorId e2 = nn::conv2d(g, e1, conv2.weight, conv2.bias, down, kRelu, "e2");
  const TensorId h = nn::linear(g, g.view(e2, {c.batch, 3136}, "e2_flat"), fc.weight, fc.bias, kRelu, "h");
  m->mu = nn::linear(g, h, fc_mu.weight, fc_mu.bias, {}, "mu");
  m->logvar = nn::linear(g, h, fc_logvar.weight, fc_logvar.bias, {}, "logvar");
  const TensorId z = nn::reparameterize(g, m->mu, m->logvar, m->rng, "z");
  m->logits = g.view(decoder(g, m->parameters, c, z, c.batch), {c.batch, 784}, "logits");
  m->recon = nn::recon_loss(g, ops::ReconLoss::bce_with_logits, m->logits, m->x, m->recon_weight, "recon");
  m->kl = nn::kl_divergence(g, m->mu, m->logvar, m->kl_weight, "kl");
  return m;
}

std::unique_ptr<DecodeGraph> build_conv_vae_decoder(const ConvVaeConfig& c, int64_t count, const ops::GridLayout& layout) {
  auto d = std::make_unique<DecodeGraph>();
  Graph& g = d->graph;
  d->z = g.input("z", {count, c.latent});
  d->logits = decoder(g, d->parameters, c, d->z, count);
  d->grid = nn::image_grid(g, d->logits, layout, /*sigmoid=*/true, "grid");
  d->grid_size = ops::grid_size(static_cast<uint32_t>(count), 28, 28, layout);
  return d;
}

}  // namespace vkvae::models
