// Linear: y (B,out) = act(x (B,in) · wᵀ + b), weight (out,in) as PyTorch's nn.Linear.
#pragma once

#include "ops/activation.hpp"
#include "ops/encoder.hpp"

namespace vkvae::ops {

void linear_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w,
                    const Tensor* b, ActivationSpec act = {});

// Gradients from dz = ∂L/∂(x·wᵀ + b), i.e. after activation_backward:
//   dx (B,in) = dz · w,  dw (out,in) = dzᵀ · x,  db (out) = Σ_batch dz.
// The three products are independent and need no barrier between them.
void linear_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x,
                     const Tensor& w);

// x (A,B,C) → y (B) = Σ over A and C; deterministic. The bias gradient of Linear and Conv2d.
void sum_outer_inner(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t A, uint32_t B,
                     uint32_t C, bool accumulate = false);

}  // namespace vkvae::ops
