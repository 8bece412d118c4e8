// Layers as graph nodes: each function adds the forward node of an op whose gradient rule
// (engine/nn/layers.cpp) lets autodiff derive the backward pass. Weight layouts are PyTorch's.
#pragma once

#include "graph/graph.hpp"
#include "ops/activation_spec.hpp"
#include "ops/conv.hpp"
#include "ops/image.hpp"
#include "ops/loss.hpp"

namespace vkvae::nn {

using graph::Graph;
using graph::TensorId;

// y (B,out) = act(x (B,in) · wᵀ (out,in) + b (out)); b may be an invalid id (no bias).
TensorId linear(Graph& g, TensorId x, TensorId w, TensorId b, ops::ActivationSpec act = {}, const std::string& name = "");
// y = act(conv2d(x, w) + b), w (K,C,R,S).
TensorId conv2d(Graph& g, TensorId x, TensorId w, TensorId b, const ops::ConvParams& params,
                ops::ActivationSpec act = {}, const std::string& name = "");
// y = act(conv_transpose2d(x, w) + b), w (Cin,Cout,R,S).
TensorId conv_transpose2d(Graph& g, TensorId x, TensorId w, TensorId b, const ops::ConvParams& params,
                          ops::ActivationSpec act = {}, const std::string& name = "");
TensorId activation(Graph& g, TensorId x, ops::ActivationSpec act, const std::string& name = "");
// (B,Da), (B,Db) → (B, Da+Db)
TensorId concat(Graph& g, TensorId a, TensorId b, const std::string& name = "");
// A term of the objective: weight[0]·Σ_b Σ_d ℓ(prediction, target); returns the per-example
// losses (B). `weight` is a (1) state tensor (1/batch, say), so it can change between runs.
TensorId recon_loss(Graph& g, ops::ReconLoss kind, TensorId prediction, TensorId target, TensorId weight,
                    const std::string& name = "");

// A term of the objective: weight[0]·Σ_b KL(N(μ_b, σ_b²) ‖ N(0, I)); returns the per-example
// values (B).
TensorId kl_divergence(Graph& g, TensorId mu, TensorId logvar, TensorId weight, const std::string& name = "");
// z = μ + exp(½ log σ²)·ε with ε ~ N(0, I) drawn on the device from `rng` (a (4) u32 state
// tensor: seed, step). Returns z; ε is kept for the backward pass (and given in `eps`).
TensorId reparameterize(Graph& g, TensorId mu, TensorId logvar, TensorId rng, const std::string& name = "",
                        TensorId* eps = nullptr);

// A batch (B, D) gathered on the device: images (N, D) u8, order (N) u32, cursor (1) u32 and
// rng (4) u32 (for dynamic binarization). No gradient flows through it.
TensorId gather_images(Graph& g, TensorId images, TensorId order, TensorId cursor, TensorId rng, int64_t batch,
                       bool binarize, const std::string& name = "");

// One-hot labels (B, classes) gathered on the device in the same order as gather_images:
// labels (N) u8, order (N) u32, cursor (1) u32. No gradient flows through it.
TensorId gather_one_hot(Graph& g, TensorId labels, TensorId order, TensorId cursor, int64_t batch, int64_t classes,
                        const std::string& name = "");

// Images (B, C, H, W) → an RGBA8 grid (height·width) u32 in torchvision's layout; `sigmoid`
// when the images are logits. No gradient flows through it.
TensorId image_grid(Graph& g, TensorId images, const ops::GridLayout& layout, bool sigmoid, const std::string& name = "");

}  // namespace vkvae::nn
