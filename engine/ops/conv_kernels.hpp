// The kernels under the convolution passes of conv.cpp, a file a family:
//   conv_register_kernels.cpp — both profiles: register tiles whose uniform loads a subgroup
//     may share (shaders/conv_forward.comp, conv_backward_data.comp, conv_backward_weight.comp);
//   conv_cpu_kernels.cpp — the CPU profile's (lavapipe) for narrow layers, reading their inputs
//     as texel buffers (conv_forward_narrow, conv_backward_data_cells, conv_backward_weight_narrow);
//   conv_tiled_kernels.cpp — the GPU profile's implicit GEMMs through shared memory
//     (conv_*_tiled.comp on shaders/tiled_product.glsl).
// conv.cpp asks the CPU family, then the GPU one, for each pass, and falls back on the registers;
// a family's entry points return false (or nothing) for a pass they do not take.
#pragma once

#include <optional>

#include "ops/activation.hpp"
#include "ops/conv.hpp"
#include "ops/encoder.hpp"

namespace vkvae::ops::conv_kernels {

// Every convolution kernel's push constants; `chunk` is a weight gradient split's share.
struct Push {
  uint32_t N, C, H, W, K, P, Q, R, S, stride, pad, chunk;
};

inline Push push_of(const ConvGeometry& g, uint32_t chunk = 0) {
  return {g.N, g.C, g.H, g.W, g.K, g.P, g.Q, g.R, g.S, g.stride, g.pad, chunk};
}

// What binding 2 (epilogue_in) holds: the bias, the gate's activation output, or (unused) the output.
inline const Tensor& epilogue_input(const Tensor* bias, const ActivationGate* gate, const Tensor& output) {
  return bias != nullptr ? *bias : gate != nullptr ? gate->y : output;
}

// Register tiles as for GEMM: `local` lanes a workgroup, TM rows, TN positions a lane.
struct Tiles {
  uint32_t local, tm, tn;
};

// The pipeline of a register or CPU-profile kernel with the epilogue of shaders/gemm_epilogue.glsl:
// a bias and activation, or a gate (whose activation then applies as a derivative). The kernel
// loads `uniform_values` weights at a time (shaders/uniform_loads.glsl).
vk::PipelineDesc epilogue_pipeline(const Encoder& enc, const char* shader, const Tiles& t, uint32_t uniform_values,
                                   const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate);

// A weight gradient's kernel: its pipeline, grid, how many splits add partial sums (1: the
// kernel writes dw itself, adding to it when accumulating) and the `chunk` of work a split takes.
struct WeightGradientKernel {
  vk::PipelineDesc pipeline;
  vk::Groups groups;
  uint32_t splits, chunk;
};

// The splits of a weight gradient over whole output rows (n, p), which size its workspace
// (conv_workspace_elements); no kernel takes more.
uint32_t splits_for(const ConvGeometry& g);

// y-side ← x-side (Conv2d forward, ConvTranspose2d data gradient): `small` = act(`large` ⊛ w + bias).
// `vec4_stores`: runs of four positions may be stored as one vec4.
void register_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                      const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate, bool vec4_stores);
bool cpu_narrow_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                        const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate, bool vec4_stores);
bool tiled_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                   const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate);

// x-side ← y-side (Conv2d data gradient, ConvTranspose2d forward): `large` from `small`.
void register_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small, const Tensor& w,
                            const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate);
bool cpu_cells_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small, const Tensor& w,
                             const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate);
bool tiled_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small, const Tensor& w,
                         const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate);

// The weight gradient dw (K,C,R,S) from the small side `dy_like` and the large side `x_like`.
WeightGradientKernel register_weight_kernel(const Encoder& enc, const ConvGeometry& g, bool accumulate);
std::optional<WeightGradientKernel> cpu_narrow_weight_kernel(const Encoder& enc, const ConvGeometry& g, const Tensor& dy_like,
                                                             const Tensor& x_like, bool accumulate);
std::optional<WeightGradientKernel> tiled_weight_kernel(const Encoder& enc, const ConvGeometry& g, bool accumulate);

}  // namespace vkvae::ops::conv_kernels
