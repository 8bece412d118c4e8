// VAEs as graphs, built from a model spec (models/spec.hpp) for the data's (C, H, W): the
// encoder's layers, two linear heads to μ and log σ², z = μ + σ·ε, the decoder's layers to
// logits of the data's shape. Conditional models join the one-hot label to the encoder's first
// flat tensor and to z. Objective: recon(x̂, x)·w_recon + KL·w_kl (w = 1/batch and β/batch,
// device-resident), where recon is BCE with logits, or the squared error of sigmoid(logits).
// Batches are gathered on the device from the dataset and an order. Parameter names and
// layouts are those of the PyTorch module scripts/vkvae_torch.py builds from the same spec, so
// checkpoints load there as they are.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.hpp"
#include "models/spec.hpp"
#include "ops/image.hpp"
#include "ops/loss.hpp"

namespace vkvae::models {

// MNIST's ten digits: the class count of configs older than the data's own.
inline constexpr int64_t kClasses = 10;

// elbo: the negative ELBO, recon + KL with one sample. iwae: the importance-weighted bound of K
// samples (Burda et al. 2015), its per-example value the step's first loss term and KL(q‖p)
// its second, reported and not trained on (so that recon = bound − KL).
enum class Objective { elbo, iwae };

struct VaeConfig {
  ModelSpec spec = *builtin_spec("conv");  // with latent and hidden as the run sets them
  std::string origin = "the model spec";   // names the spec in errors ("--model FILE")
  ImageShape image = kMnistShape;
  int64_t classes = kClasses;              // the one-hot width of conditional models
  int64_t batch = 128;
  int64_t dataset_size = 60000;  // images in the device-resident dataset
  bool binarize = false;         // dynamic binarization of the inputs
  Objective objective = Objective::elbo;
  int64_t k = 1;                 // the bound's samples per example (iwae)
  ops::ReconLoss loss = ops::ReconLoss::bce_with_logits;
};

struct VaeGraph {
  graph::Graph graph;
  // Inputs and state the host fills: the dataset (N, C·H·W) u8 and its labels (N) u8 (conditional
  // models only; invalid otherwise), the epoch's order (N) u32, the loss weights (1/batch and
  // β/batch), and the counters a step advances.
  graph::TensorId images, labels, order, recon_weight, kl_weight;
  graph::TensorId step, rng, cursor;
  std::vector<graph::TensorId> parameters;  // weight then bias, layer by layer
  graph::TensorId x, logits, mu, logvar, z, eps;  // z = μ + σ·ε (iwae: K rows an example)
  graph::TensorId recon, kl;  // per-example loss terms (batch); iwae: −L_K and KL(q‖p)
};

std::unique_ptr<VaeGraph> build_vae(const VaeConfig& config);

// The importance-weighted bound's samples without the encoder: a batch of (image, sample) rows,
// each row's pixels (batch, C·H·W) u8 [and label (batch) u8] and the μ and log σ² of its image
// (batch, latent) given by the host (the encoder ran once per image) → z = μ + σ·ε → the
// decoder → each row's recon term; z and ε for the host's log weights. `order` (the identity)
// and `cursor` (0) are set once: the rows are taken as they come.
struct ImportanceGraph {
  graph::Graph graph;
  graph::TensorId images, labels, order, cursor, rng, recon_weight;
  graph::TensorId mu, logvar;
  std::vector<graph::TensorId> parameters;  // the decoder's
  graph::TensorId z, eps, recon;
};

std::unique_ptr<ImportanceGraph> build_importance_sampler(const VaeConfig& config);

// z (count, latent) [+ one-hot labels (count, classes)] → decoder → logits (count, C, H, W) →
// an RGBA8 grid.
struct DecodeGraph {
  graph::Graph graph;
  graph::TensorId z, labels;                // labels: conditional models only
  std::vector<graph::TensorId> parameters;  // the decoder's, named as in build_vae
  graph::TensorId logits, grid;
  graph::TensorId mean;  // build_mean_decoder only
  ops::GridSize grid_size;
};

// The forward pass on images the host gives as they are, for the applications (encode, denoise,
// inpaint): x (batch, C·H·W) f32 in [0, 1] [+ one-hot labels (batch, classes)] → μ, log σ² → z
// → the decoder's mean σ(logits) (batch, C·H·W), and the per-example loss terms of x at that z (the
// negative ELBO's recon and KL: an anomaly score). `sample_z`: z = μ + σ·ε with ε drawn from
// `rng`; otherwise z = μ (the mean reconstruction).
struct AutoencodeGraph {
  graph::Graph graph;
  graph::TensorId x, labels, rng;           // labels: conditional models only; rng: sample_z only
  graph::TensorId recon_weight, kl_weight;  // (1) states: the terms' weights (1 for per-example values)
  std::vector<graph::TensorId> parameters;  // named as in build_vae
  graph::TensorId mu, logvar, mean, recon, kl;
};

std::unique_ptr<AutoencodeGraph> build_autoencoder(const VaeConfig& config, bool sample_z);

std::unique_ptr<DecodeGraph> build_decoder(const VaeConfig& config, int64_t count, const ops::GridLayout& layout = {});
// The same decoder ending in the images themselves instead of a grid: mean σ(logits) (count, C·H·W).
std::unique_ptr<DecodeGraph> build_mean_decoder(const VaeConfig& config, int64_t count);

}  // namespace vkvae::models
