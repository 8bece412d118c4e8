// Double-precision references for the importance-weighted bound (Burda et al. 2015) of K samples
// per example, the rows of example b being b·K … b·K + K − 1.
#pragma once

#include <span>
#include <vector>

namespace vkvae::ops::ref {

// terms ℓ (B·K): −log p(x|z) of each sample; z, ε, log σ² (B·K, L) → (B): −log (1/K Σ_k w_bk),
// log w = −ℓ + Σ_j (ε_j² − z_j² + log σ²_j)/2 (log p(z) − log q(z|x) with z = μ + σε; the 2π
// terms cancel).
std::vector<double> iwae_bound(std::span<const double> terms, std::span<const double> z, std::span<const double> eps,
                               std::span<const double> logvar, int B, int K, int L);
// Its gradients times weight, ε held fixed: dℓ = weight·s (s: the softmax of log w within each
// example), dz = weight·s·z, dlog σ² = −weight·s/2.
struct IwaeGradients {
  std::vector<double> dterms, dz, dlogvar;
};
IwaeGradients iwae_bound_grad(std::span<const double> terms, std::span<const double> z, std::span<const double> eps,
                              std::span<const double> logvar, int B, int K, int L, double weight);

}  // namespace vkvae::ops::ref
