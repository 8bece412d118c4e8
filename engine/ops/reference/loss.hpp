// Double-precision references for the VAE losses. Matrices are (B, D) row-major.
#pragma once

#include <span>
#include <vector>

namespace vkvae::ops::ref {

// Per example Σ_d of BCE-with-logits, or of squared error.
std::vector<double> bce_with_logits(std::span<const double> logits, std::span<const double> target, int B, int D);
std::vector<double> squared_error(std::span<const double> prediction, std::span<const double> target, int B, int D);
// ∂/∂prediction, times weight.
std::vector<double> bce_with_logits_grad(std::span<const double> logits, std::span<const double> target, double weight);
std::vector<double> squared_error_grad(std::span<const double> prediction, std::span<const double> target, double weight);

// Per example KL(N(μ,σ²) ‖ N(0,I)); and its gradients times weight.
std::vector<double> kl(std::span<const double> mu, std::span<const double> logvar, int B, int J);
struct KlGradients {
  std::vector<double> dmu, dlogvar;
};
KlGradients kl_grad(std::span<const double> mu, std::span<const double> logvar, double weight);

}  // namespace vkvae::ops::ref
