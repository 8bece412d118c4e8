// Activations: ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, ELU. Gradients are computed from the
// activation's output, so producers that fuse the activation keep only their output.
#pragma once

#include <string>

#include "ops/activation_spec.hpp"
#include "ops/encoder.hpp"

namespace vkvae::ops {

// Throws a vkvae::Error naming `op` when the parameter is out of range.
void validate_activation(const std::string& op, ActivationSpec act);
// Specialization constants 8 and 9 of shaders/activation.glsl.
void add_activation_constants(vk::PipelineDesc& desc, ActivationSpec act);

// x (any shape) → y = act(x), same shape
void activation_forward(Encoder& enc, const Tensor& y, const Tensor& x, ActivationSpec act);
// dy, y = act(x) → dx = dy · act'(x) (or dx += … with accumulate), all the same shape
void activation_backward(Encoder& enc, const Tensor& dx, const Tensor& dy, const Tensor& y,
                         ActivationSpec act, bool accumulate = false);

// The gradient through a fused activation, taken where dy is made: a product that would write dy
// writes dy·act'(y) instead (with accumulation, (previous + product)·act'(y)), saving
// activation_backward's pass. `y` is the activation's output, laid out as the product's output.
struct ActivationGate {
  Tensor y;
  ActivationSpec act;
};

}  // namespace vkvae::ops
