// The importance-weighted bound (Burda et al. 2015) as ops: K samples of each example in
// consecutive rows (example b: rows b·K … b·K + K − 1), rows repeated and summed back, the bound
// of each example and its gradients. Double-precision references: ops/reference/iwae.hpp.
#pragma once

#include "ops/encoder.hpp"

namespace vkvae::ops {

// x (B, F) → y (B·K, F): each row K times in a row.
void repeat_rows(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t k);
// dy (B·K, F) → dx (B, F) (+)= the sum of each row's K copies: repeat_rows' gradient.
void sum_row_groups(Encoder& enc, const Tensor& dx, const Tensor& dy, uint32_t k, bool accumulate = false);

// terms ℓ (B·K) (−log p(x|z) of each sample), z, ε, log σ² (B·K, L) → bound (B) =
// −log (1/K Σ_k w_k) with log w = −ℓ + Σ_j (ε² − z² + log σ²)/2.
void iwae_bound_forward(Encoder& enc, const Tensor& bound, const Tensor& terms, const Tensor& z, const Tensor& eps,
                        const Tensor& logvar, uint32_t k);
// → dterms (B·K) = weight[0]·softmax_k(log w); dz (+)= dterms·z, dlog σ² (+)= −dterms/2, ε fixed.
void iwae_bound_backward(Encoder& enc, const Tensor& dterms, const Tensor& dz, const Tensor& dlogvar, const Tensor& terms,
                         const Tensor& z, const Tensor& eps, const Tensor& logvar, const Tensor& weight, uint32_t k,
                         bool accumulate = false);

}  // namespace vkvae::ops
