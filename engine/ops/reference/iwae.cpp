#include "ops/reference/iwae.hpp"

#include <algorithm>
#include <cmath>

namespace vkvae::ops::ref {
namespace {

std::vector<double> log_weights(std::span<const double> terms, std::span<const double> z, std::span<const double> eps,
                                std::span<const double> logvar, int rows, int L) {
  std::vector<double> lw(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    double s = -terms[static_cast<std::size_t>(r)];
    for (int j = 0; j < L; ++j) {
      const auto i = static_cast<std::size_t>(r * L + j);
      s += 0.5 * (eps[i] * eps[i] - z[i] * z[i] + logvar[i]);
    }
    lw[static_cast<std::size_t>(r)] = s;
  }
  return lw;
}

}  // namespace

std::vector<double> iwae_bound(std::span<const double> terms, std::span<const double> z, std::span<const double> eps,
                               std::span<const double> logvar, int B, int K, int L) {
  const std::vector<double> lw = log_weights(terms, z, eps, logvar, B * K, L);
  std::vector<double> out(static_cast<std::size_t>(B));
  for (int b = 0; b < B; ++b) {
    const auto first = lw.begin() + b * K;
    const double m = *std::max_element(first, first + K);
    double sum = 0.0;
    for (int k = 0; k < K; ++k) sum += std::exp(first[k] - m);
    out[static_cast<std::size_t>(b)] = -(m + std::log(sum) - std::log(static_cast<double>(K)));
  }
  return out;
}

IwaeGradients iwae_bound_grad(std::span<const double> terms, std::span<const double> z, std::span<const double> eps,
                              std::span<const double> logvar, int B, int K, int L, double weight) {
  const std::vector<double> lw = log_weights(terms, z, eps, logvar, B * K, L);
  IwaeGradients g{std::vector<double>(lw.size()), std::vector<double>(z.size()), std::vector<double>(z.size())};
  for (int b = 0; b < B; ++b) {
    const auto first = lw.begin() + b * K;
    const double m = *std::max_element(first, first + K);
    double sum = 0.0;
    for (int k = 0; k < K; ++k) sum += std::exp(first[k] - m);
    for (int k = 0; k < K; ++k) {
      const auto r = static_cast<std::size_t>(b * K + k);
      const double s = weight * std::exp(first[k] - m) / sum;
      g.dterms[r] = s;
      for (int j = 0; j < L; ++j) {
        const std::size_t i = r * static_cast<std::size_t>(L) + static_cast<std::size_t>(j);
        g.dz[i] = s * z[i];
        g.dlogvar[i] = -0.5 * s;
      }
    }
  }
  return g;
}

}  // namespace vkvae::ops::ref
