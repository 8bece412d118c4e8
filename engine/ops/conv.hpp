// Conv2d: x (N,C,H,W) · w (K,C,R,S) → y (N,K,P,Q), weights as PyTorch's nn.Conv2d.
// ConvTranspose2d: x (N,Cin,H,W) · w (Cin,Cout,R,S) → y (N,Cout,Ho,Wo),
//   Ho = (H−1)·stride − 2·padding + R + output_padding, weights as nn.ConvTranspose2d.
// Each is the other's data gradient, so three kernels serve both.
#pragma once

#include "ops/activation.hpp"
#include "ops/encoder.hpp"

namespace vkvae::ops {

struct ConvParams {
  uint32_t stride = 1;
  uint32_t padding = 0;
  uint32_t output_padding = 0;  // ConvTranspose2d only; < stride
};

// The shared geometry: small side (N,K,P,Q), large side (N,C,H,W), weights (K,C,R,S).
struct ConvGeometry {
  uint32_t N, C, H, W, K, P, Q, R, S, stride, pad;
};

// Throws a vkvae::Error naming `op` for shapes or parameters that do not fit.
ConvGeometry conv2d_geometry(const std::string& op, const Shape& x, const Shape& w, const ConvParams& p);
ConvGeometry conv_transpose2d_geometry(const std::string& op, const Shape& x, const Shape& w, const ConvParams& p);
// The output shape of each.
Shape conv2d_output_shape(const Shape& x, const Shape& w, const ConvParams& p);
Shape conv_transpose2d_output_shape(const Shape& x, const Shape& w, const ConvParams& p);

// Elements of scratch memory the backward passes need for the weight gradient's partial sums.
uint64_t conv_workspace_elements(const ConvGeometry& g);

void conv2d_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w, const Tensor* b,
                    const ConvParams& params, ActivationSpec act = {});
// From dz = ∂L/∂(conv + bias). `workspace` (f32, ≥ conv_workspace_elements) when dw is wanted.
void conv2d_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x, const Tensor& w,
                     const ConvParams& params, const Tensor* workspace);

// Each gradient of Conv2d on its own: dx has x's shape (gated by the activation that made x when
// `gate` is given), dw has w's and needs the workspace; with `db` the bias gradient is summed in
// the pass that adds up the weight gradient's splits (no dispatch of its own).
void conv2d_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w,
                           const ConvParams& params, bool accumulate = false, const ActivationGate* gate = nullptr);
void conv2d_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x,
                            const ConvParams& params, const Tensor* workspace, bool accumulate = false,
                            const Tensor* db = nullptr);

void conv_transpose2d_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w, const Tensor* b,
                              const ConvParams& params, ActivationSpec act = {});
void conv_transpose2d_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x,
                               const Tensor& w, const ConvParams& params, const Tensor* workspace);
void conv_transpose2d_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w,
                                     const ConvParams& params, bool accumulate = false,
                                     const ActivationGate* gate = nullptr);
void conv_transpose2d_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x,
                                      const ConvParams& params, const Tensor* workspace, bool accumulate = false,
                                      const Tensor* db = nullptr);

}  // namespace vkvae::ops
