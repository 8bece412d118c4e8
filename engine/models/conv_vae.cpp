#include "models/conv_vae.hpp"

#include "nn/layers.hpp"

namespace vkvae::models {

std::unique_ptr<VaeGraph> build_conv_vae(const ConvVaeConfig& c) {
  auto m = std::make_unique<VaeGraph>();
  graph::Graph& g = m->graph;
  using graph::TensorId;
  const ops::ActivationSpec relu{ops::Activation::relu};
  const ops::ConvParams down{2, 1, 0}, up{2, 1, 1};

  m->images = g.input("images", {c.dataset_size, 784}, ops::DType::u8);
  m->order = g.input("order", {c.dataset_size}, ops::DType::u32);
  m->recon_weight = g.state("recon_weight", {1});
  m->kl_weight = g.state("kl_weight", {1});
  m->step = g.state("step", {1}, ops::DType::u32);
  m->rng = g.state("rng", {4}, ops::DType::u32);
  m->cursor = g.state("cursor", {1}, ops::DType::u32);

  const auto param = [&](const std::string& name, const ops::Shape& shape) {
    m->parameters.push_back(g.parameter(name, shape));
    return m->parameters.back();
  };
  const TensorId w1 = param("enc_conv1.weight", {32, 1, 3, 3}), b1 = param("enc_conv1.bias", {32});
  const TensorId w2 = param("enc_conv2.weight", {64, 32, 3, 3}), b2 = param("enc_conv2.bias", {64});
  const TensorId w3 = param("enc_fc.weight", {c.hidden, 3136}), b3 = param("enc_fc.bias", {c.hidden});
  const TensorId wm = param("fc_mu.weight", {c.latent, c.hidden}), bm = param("fc_mu.bias", {c.latent});
  const TensorId wv = param("fc_logvar.weight", {c.latent, c.hidden}), bv = param("fc_logvar.bias", {c.latent});
  const TensorId w4 = param("dec_fc1.weight", {c.hidden, c.latent}), b4 = param("dec_fc1.bias", {c.hidden});
  const TensorId w5 = param("dec_fc2.weight", {3136, c.hidden}), b5 = param("dec_fc2.bias", {3136});
  const TensorId w6 = param("dec_deconv1.weight", {64, 32, 3, 3}), b6 = param("dec_deconv1.bias", {32});
  const TensorId w7 = param("dec_deconv2.weight", {32, 1, 3, 3}), b7 = param("dec_deconv2.bias", {1});

  m->x = nn::gather_images(g, m->images, m->order, m->cursor, m->rng, c.batch, c.binarize, "x");
  const TensorId image = g.view(m->x, {c.batch, 1, 28, 28}, "x_image");
  const TensorId e1 = nn::conv2d(g, image, w1, b1, down, relu, "e1");
  const TensorId e2 = nn::conv2d(g, e1, w2, b2, down, relu, "e2");
  const TensorId h = nn::linear(g, g.view(e2, {c.batch, 3136}, "e2_flat"), w3, b3, relu, "h");
  m->mu = nn::linear(g, h, wm, bm, {}, "mu");
  m->logvar = nn::linear(g, h, wv, bv, {}, "logvar");
  const TensorId z = nn::reparameterize(g, m->mu, m->logvar, m->rng, "z");
  const TensorId d1 = nn::linear(g, z, w4, b4, relu, "d1");
  const TensorId d2 = nn::linear(g, d1, w5, b5, relu, "d2");
  const TensorId d3 = nn::conv_transpose2d(g, g.view(d2, {c.batch, 64, 7, 7}, "d2_image"), w6, b6, up, relu, "d3");
  const TensorId d4 = nn::conv_transpose2d(g, d3, w7, b7, up, {}, "logits_image");
  m->logits = g.view(d4, {c.batch, 784}, "logits");
  m->recon = nn::recon_loss(g, ops::ReconLoss::bce_with_logits, m->logits, m->x, m->recon_weight, "recon");
  m->kl = nn::kl_divergence(g, m->mu, m->logvar, m->kl_weight, "kl");
  return m;
}

}  // namespace vkvae::models
