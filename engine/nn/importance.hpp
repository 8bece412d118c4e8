// The importance-weighted bound (Burda et al. 2015) as graph ops, K samples of each example in
// consecutive rows: rows repeated (the gradient sums the copies), per-sample reconstruction
// terms whose gradient comes from the bound, and the bound itself as an objective term.
#pragma once

#include "graph/graph.hpp"
#include "ops/loss.hpp"

namespace vkvae::nn {

using graph::Graph;
using graph::TensorId;

// x (B, F) → (B·K, F): each row K times in a row.
TensorId repeat_rows(Graph& g, TensorId x, int64_t k, const std::string& name = "");
// prediction, target (N, D) → (N): Σ_d ℓ per row. Not an objective itself: the gradient comes
// from what uses the terms.
TensorId recon_terms(Graph& g, ops::ReconLoss kind, TensorId prediction, TensorId target, const std::string& name = "");
// terms ℓ (B·K), z, ε, log σ² (B·K, L), weight (1) → the objective term weight[0]·Σ_b −L_K(b),
// −L_K = −log (1/K Σ_k w_k), log w = −ℓ + Σ_j (ε² − z² + log σ²)/2; returns the per-example
// values (B). Gradients flow to ℓ, z and log σ² (ε is noise).
TensorId iwae_bound(Graph& g, TensorId terms, TensorId z, TensorId eps, TensorId logvar, TensorId weight, int64_t k,
                    const std::string& name = "");
// KL(N(μ, σ²) ‖ N(0, I)) per example as a value to report, not an objective term.
TensorId kl_value(Graph& g, TensorId mu, TensorId logvar, const std::string& name = "");

}  // namespace vkvae::nn
