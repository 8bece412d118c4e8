// Double-precision references for Linear: x (B,in), w (out,in), b (out), row-major.
#pragma once

#include <span>
#include <vector>

#include "ops/activation_spec.hpp"

namespace vkvae::ops::ref {

// y (B,out) = act(x · wᵀ + b); b may be empty.
std::vector<double> linear_forward(std::span<const double> x, std::span<const double> w,
                                   std::span<const double> b, int batch, int in, int out,
                                   ActivationSpec act = {});

struct LinearGradients {
  std::vector<double> dx, dw, db;
};
// From dz = ∂L/∂(x·wᵀ + b).
LinearGradients linear_backward(std::span<const double> dz, std::span<const double> x,
                                std::span<const double> w, int batch, int in, int out);

// x (A,B,C) → (B): Σ over A and C.
std::vector<double> sum_outer_inner(std::span<const double> x, int A, int B, int C);

}  // namespace vkvae::ops::ref
