// VAE losses: reconstruction (BCE with logits, or squared error) and KL(N(μ,σ²) ‖ N(0,I)),
// per example, with gradients scaled by a weight that lives on the device (1/batch, β/batch…)
// so a recorded step keeps working when the host changes it. Plus a deterministic sum.
#pragma once

#include "ops/encoder.hpp"

namespace vkvae::ops {

enum class ReconLoss : uint32_t { bce_with_logits = 0, squared_error = 1 };

// prediction (B,D), target (B,D) → loss (B): Σ_d ℓ per example
void recon_loss_forward(Encoder& enc, ReconLoss kind, const Tensor& loss, const Tensor& prediction,
                        const Tensor& target);
// → dprediction (B,D) = weight[0] · ∂ℓ/∂prediction
void recon_loss_backward(Encoder& enc, ReconLoss kind, const Tensor& dprediction,
                         const Tensor& prediction, const Tensor& target, const Tensor& weight);

// The same with a weight for each row (B): the upstream gradient of per-example terms.
void recon_loss_backward_rows(Encoder& enc, ReconLoss kind, const Tensor& dprediction, const Tensor& prediction,
                              const Tensor& target, const Tensor& row_weights);

// μ (B,J), log σ² (B,J) → kl (B)
void kl_forward(Encoder& enc, const Tensor& kl, const Tensor& mu, const Tensor& logvar);
// dμ, dlog σ² (B,J) += (or =) weight[0] · ∂KL/∂·
void kl_backward(Encoder& enc, const Tensor& dmu, const Tensor& dlogvar, const Tensor& mu,
                 const Tensor& logvar, const Tensor& weight, bool accumulate = true);

// x (any shape) → y (1) = scale · Σ x (or y += …); fixed summation order.
void reduce_sum(Encoder& enc, const Tensor& y, const Tensor& x, float scale = 1.0f,
                bool accumulate = false);

}  // namespace vkvae::ops
