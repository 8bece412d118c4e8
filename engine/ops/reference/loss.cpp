#include "ops/reference/loss.hpp"

#include <algorithm>
#include <cmath>

namespace vkvae::ops::ref {

std::vector<double> bce_with_logits(std::span<const double> logits, std::span<const double> target, int B, int D) {
  std::vector<double> loss(B, 0.0);
  for (int b = 0; b < B; ++b) {
    for (int d = 0; d < D; ++d) {
      const double p = logits[b * D + d], t = target[b * D + d];
      loss[b] += std::max(p, 0.0) - p * t + std::log1p(std::exp(-std::abs(p)));
    }
  }
  return loss;
}

std::vector<double> squared_error(std::span<const double> prediction, std::span<const double> target, int B, int D) {
  std::vector<double> loss(B, 0.0);
  for (int b = 0; b < B; ++b) {
    for (int d = 0; d < D; ++d) {
      const double e = prediction[b * D + d] - target[b * D + d];
      loss[b] += e * e;
    }
  }
  return loss;
}

std::vector<double> bce_with_logits_grad(std::span<const double> logits, std::span<const double> target, double weight) {
  std::vector<double> g(logits.size());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = weight * (1.0 / (1.0 + std::exp(-logits[i])) - target[i]);
  return g;
}

std::vector<double> squared_error_grad(std::span<const double> prediction, std::span<const double> target, double weight) {
  std::vector<double> g(prediction.size());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = weight * 2.0 * (prediction[i] - target[i]);
  return g;
}

std::vector<double> kl(std::span<const double> mu, std::span<const double> logvar, int B, int J) {
  std::vector<double> out(B, 0.0);
  for (int b = 0; b < B; ++b) {
    double s = 0;
    for (int j = 0; j < J; ++j) {
      const double m = mu[b * J + j], v = logvar[b * J + j];
      s += 1.0 + v - m * m - std::exp(v);
    }
    out[b] = -0.5 * s;
  }
  return out;
}

KlGradients kl_grad(std::span<const double> mu, std::span<const double> logvar, double weight) {
  KlGradients g{std::vector<double>(mu.size()), std::vector<double>(mu.size())};
  for (std::size_t i = 0; i < mu.size(); ++i) {
    g.dmu[i] = weight * mu[i];
    g.dlogvar[i] = weight * 0.5 * (std::exp(logvar[i]) - 1.0);
  }
  return g;
}

}  // namespace vkvae::ops::ref
