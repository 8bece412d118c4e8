#include "ops/reference/activation.hpp"

#include <algorithm>
#include <cmath>

namespace vkvae::ops::ref {

double act_forward(ActivationSpec act, double x) {
  const double p = act.param;
  switch (act.kind) {
    case Activation::none: return x;
    case Activation::relu: return std::max(x, 0.0);
    case Activation::leaky_relu: return x > 0 ? x : p * x;
    case Activation::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::tanh: return std::tanh(x);
    case Activation::softplus: return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
    case Activation::elu: return x > 0 ? x : p * std::expm1(x);
  }
  return x;
}

double act_grad_from_output(ActivationSpec act, double y) {
  const double p = act.param;
  switch (act.kind) {
    case Activation::none: return 1.0;
    case Activation::relu: return y > 0 ? 1.0 : 0.0;
    case Activation::leaky_relu: return y > 0 ? 1.0 : p;
    case Activation::sigmoid: return y * (1.0 - y);
    case Activation::tanh: return 1.0 - y * y;
    case Activation::softplus: return -std::expm1(-y);
    case Activation::elu: return y > 0 ? 1.0 : y + p;
  }
  return 1.0;
}

}  // namespace vkvae::ops::ref
