#include "ops/reference/optimizer.hpp"

#include <algorithm>
#include <cmath>

namespace vkvae::ops::ref {

double clip_coefficient(std::span<const double> g, double max_norm) {
  double sq = 0;
  for (double x : g) sq += x * x;
  return std::min(1.0, max_norm / (std::sqrt(sq) + 1e-6));
}

OptimizerStep adam(std::span<const double> params, std::span<const double> grads, std::span<const double> m,
                   std::span<const double> v, const Hyper& h, int step, bool decoupled, double clip) {
  OptimizerStep out{{params.begin(), params.end()}, {m.begin(), m.end()}, {v.begin(), v.end()}};
  const double bc1 = 1 - std::pow(h.beta1, step), bc2_sqrt = std::sqrt(1 - std::pow(h.beta2, step));
  for (std::size_t i = 0; i < params.size(); ++i) {
    double p = params[i], g = grads[i] * clip;
    if (decoupled) {
      p *= 1 - h.lr * h.weight_decay;
    } else {
      g += h.weight_decay * p;
    }
    out.m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    out.v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    out.params[i] = p - (h.lr / bc1) * out.m[i] / (std::sqrt(out.v[i]) / bc2_sqrt + h.eps);
  }
  return out;
}

OptimizerStep sgd(std::span<const double> params, std::span<const double> grads, std::span<const double> m,
                  const Hyper& h, int step, bool nesterov, double clip) {
  OptimizerStep out{{params.begin(), params.end()}, {m.begin(), m.end()}, {}};
  for (std::size_t i = 0; i < params.size(); ++i) {
    double g = grads[i] * clip + h.weight_decay * params[i];
    if (h.momentum != 0) {
      const double b = step <= 1 ? g : h.momentum * m[i] + (1 - h.dampening) * g;
      out.m[i] = b;
      g = nesterov ? g + h.momentum * b : b;
    }
    out.params[i] = params[i] - h.lr * g;
  }
  return out;
}

}  // namespace vkvae::ops::ref
