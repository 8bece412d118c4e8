// Which activation an op applies. Plain data: shared by the GPU ops and the CPU references.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace vkvae::ops {

enum class Activation : uint32_t { none = 0, relu, leaky_relu, sigmoid, tanh, softplus, elu };

struct ActivationSpec {
  Activation kind = Activation::none;
  float param = 0.0f;  // LeakyReLU slope (> 0) or ELU alpha (> 0)
};

// "relu", "leaky_relu(0.2)", ...
inline std::string activation_name(ActivationSpec act) {
  char param[32];
  std::snprintf(param, sizeof param, "(%g)", static_cast<double>(act.param));
  switch (act.kind) {
    case Activation::none: return "none";
    case Activation::relu: return "relu";
    case Activation::leaky_relu: return std::string("leaky_relu") + param;
    case Activation::sigmoid: return "sigmoid";
    case Activation::tanh: return "tanh";
    case Activation::softplus: return "softplus";
    case Activation::elu: return std::string("elu") + param;
  }
  return "unknown";
}

}  // namespace vkvae::ops
