// The seed convolutional VAE as graphs: Conv(1→32, k3 s2 p1) ReLU, Conv(32→64, k3 s2 p1) ReLU,
// flatten, Linear(3136→hidden) ReLU, μ and log σ² Linear(hidden→latent); decoder
// Linear(latent→hidden) ReLU, Linear(hidden→3136) ReLU, reshape (64,7,7),
// ConvTranspose(64→32, k3 s2 p1 op1) ReLU, ConvTranspose(32→1, k3 s2 p1 op1) → logits;
// objective BCE(logits, x)·w_recon + KL·w_kl (w = 1/batch and β/batch). The batch is gathered
// on the device. A decode-only graph uses the same parameter names, so a decode program can
// bind to a training program's parameters (graph::bind_by_name).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "ops/image.hpp"

namespace vkvae::models {

struct ConvVaeConfig {
  int64_t batch = 128;
  int64_t latent = 16;
  int64_t hidden = 256;
  int64_t dataset_size = 60000;  // images in the device-resident dataset
  bool binarize = false;         // dynamic binarization of the inputs
};

struct VaeGraph {
  graph::Graph graph;
  // Inputs and state the host fills: the dataset (N, 784) u8, the epoch's order (N) u32, the
  // loss weights (1/batch and β/batch), and the counters a step advances.
  graph::TensorId images, order, recon_weight, kl_weight;
  graph::TensorId step, rng, cursor;
  std::vector<graph::TensorId> parameters;  // weight then bias, layer by layer
  graph::TensorId x, logits, mu, logvar;
  graph::TensorId recon, kl;  // per-example loss terms (batch)
};

std::unique_ptr<VaeGraph> build_conv_vae(const ConvVaeConfig& config);

// z (count, latent) → decoder → logits (count, 1, 28, 28) → an RGBA8 grid.
struct DecodeGraph {
  graph::Graph graph;
  graph::TensorId z;
  std::vector<graph::TensorId> parameters;  // the decoder's, named as in build_conv_vae
  graph::TensorId logits, grid;
  ops::GridSize grid_size;
};

std::unique_ptr<DecodeGraph> build_conv_vae_decoder(const ConvVaeConfig& config, int64_t count,
                                                    const ops::GridLayout& layout = {});

}  // namespace vkvae::models
