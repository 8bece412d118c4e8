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
// Each gradient on its own (linear_backward is these three): dx (+)= dz·w, dw (+)= dzᵀ·x.
void linear_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w, bool accumulate = false);
void linear_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x, bool accumulate = false);

// x (A,B,C) → y (B) = Σ over A and C; deterministic. The bias gradient of Linear and Conv2d.
void sum_outer_inner(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t A, uint32_t B,
                     uint32_t C, bool accumulate = false);

}  // namespace vkvae::ops
