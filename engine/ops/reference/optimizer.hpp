// Double-precision references for one optimizer step, PyTorch's semantics.
#pragma once

#include <span>
#include <vector>

namespace vkvae::ops::ref {

struct OptimizerStep {
  std::vector<double> params, m, v;
};

struct Hyper {
  double lr, beta1, beta2, eps, weight_decay, momentum, dampening;
};

// torch.nn.utils.clip_grad_norm_'s factor for gradients `g` and `max_norm`.
double clip_coefficient(std::span<const double> g, double max_norm);

OptimizerStep adam(std::span<const double> params, std::span<const double> grads, std::span<const double> m,
                   std::span<const double> v, const Hyper& h, int step, bool decoupled, double clip = 1.0);
// m is the momentum buffer.
OptimizerStep sgd(std::span<const double> params, std::span<const double> grads, std::span<const double> m,
                  const Hyper& h, int step, bool nesterov, double clip = 1.0);

}  // namespace vkvae::ops::ref
