// Linear: y (B,out) = act(x (B,in) · wᵀ + b), weight (out,in) as PyTorch's nn.Linear.
#pragma once

#include "ops/activation.hpp"
#include "ops/encoder.hpp"

namespace vkvae::ops {

// Every product takes an optional `workspace` (f32, of at least the matching *_workspace_elements)
// that lets a GPU split a long sum where the product has few 64×64 blocks (ops::split_k_slices):
// the 3136→256 layer's forward at batch 128 has 8 blocks and a sum over 3136, which 12 slices
// spread over 96 workgroups. Without it the product is not split.
void linear_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w,
                    const Tensor* b, ActivationSpec act = {}, const Tensor* workspace = nullptr);
// For x (B,in) and w (out,in).
uint64_t linear_forward_workspace_elements(const Shape& x, const Shape& w, const KernelProfile& profile);

// Gradients from dz = ∂L/∂(x·wᵀ + b), i.e. after activation_backward:
//   dx (B,in) = dz · w,  dw (out,in) = dzᵀ · x,  db (out) = Σ_batch dz.
// Two dispatches (dw and db together when both are wanted and accumulate alike), independent of
// each other: no barrier between them.
void linear_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x,
                     const Tensor& w);
// Each gradient on its own: dx (+)= dz·w, gated by the activation that made x when `gate` is
// given (dx then is the gradient before that activation); dw (+)= dzᵀ·x, and with `db` the bias
// gradient db (+)= Σ_batch dz in the same dispatch.
void linear_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w, bool accumulate = false,
                           const ActivationGate* gate = nullptr, const Tensor* workspace = nullptr);
// For dz (B,out) and w (out,in).
uint64_t linear_input_workspace_elements(const Shape& dz, const Shape& w, const KernelProfile& profile);
// The weight gradient's sum runs over the batch.
void linear_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x, bool accumulate = false,
                            const Tensor* db = nullptr, const Tensor* workspace = nullptr);
// For x (B,in) and dz (B,out).
uint64_t linear_weight_workspace_elements(const Shape& x, const Shape& dz, const KernelProfile& profile);

// x (A,B,C) → y (B) = Σ over A and C; deterministic. The bias gradient of Linear and Conv2d.
void sum_outer_inner(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t A, uint32_t B,
                     uint32_t C, bool accumulate = false);

// One such sum, for running two independent ones in a single dispatch (a convolution's split
// weight gradient and its bias gradient).
struct OuterInnerSum {
  Tensor y, x;
  uint32_t A = 0, B = 0, C = 0;
};
void sum_outer_inner(Encoder& enc, const OuterInnerSum& first, const OuterInnerSum* second, bool accumulate);

}  // namespace vkvae::ops
