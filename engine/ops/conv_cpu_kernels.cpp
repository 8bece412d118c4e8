// The CPU profile's convolution kernels (lavapipe) for layers too narrow for the register tiles
// (conv_kernels.hpp): a lane's outputs stay in registers where the register kernels would
// update accumulators in memory, and inputs are read as texel buffers (a texelFetch is one
// vector gather on lavapipe, a storage-buffer load a loop over the lanes). GPUs keep the other
// families until these are measured there; tensors past the texel-buffer limits too.
#include <algorithm>
#include <bit>

#include "ops/conv_kernels.hpp"

namespace vkvae::ops::conv_kernels {
namespace {

// The output channels a workgroup of conv_backward_weight_narrow takes, or 0 where that kernel
// does not run: only in a profile with the narrow kernels (the CPU profile), for at most 32 taps
// C·R·S. TM·C·R·S accumulators a lane, within a CPU device's budget of 512, and their sums over
// the lanes in shared memory (4·TM·C·R·S·lanes bytes).
uint32_t narrow_weight_channels(const Encoder& enc, const ConvGeometry& g) {
  const uint32_t taps = g.C * g.R * g.S, lanes = enc.profile().narrow_weight_lanes;
  if (!enc.profile().narrow_convolutions || taps > 32 || lanes < 2) return 0;
  const uint32_t shared_tm = enc.max_shared_memory_bytes() / (4 * taps * lanes);
  return std::min({32u, std::bit_ceil(g.K), std::bit_floor(512 / taps), std::bit_floor(shared_tm)});
}

}  // namespace

// conv_forward_narrow (shaders/conv_forward_narrow.comp), for few taps (a one-channel layer's
// 3×3): tap by tap, conv_forward's time goes to updating accumulators in memory; here each lane
// makes up to four runs of four positions in registers, gathering their input windows (C·R·S
// values a position) once, TM channels a workgroup, whose TM·C·R·S weights every lane holds,
// within a CPU device's budget of 512: 1.35–1.75× faster on lavapipe (docs/BENCHMARKS.md).
bool cpu_narrow_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                        const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate, bool vec4_stores) {
  const uint32_t taps = g.C * g.R * g.S;
  if (!enc.profile().narrow_convolutions || taps > 32 || !enc.texel_bindable(large) ||
      !enc.texel_bindable(epilogue_input(bias, gate, small))) {
    return false;
  }
  const uint64_t runs = (uint64_t{g.N} * g.P * g.Q + 3) / 4;
  const uint32_t local = runs >= 6 * 64 ? 64 : 32;
  const uint32_t tm = std::min({32u, std::bit_ceil(g.K), std::bit_floor(512 / taps)});
  // TN (specialization constant 2) counts runs here, not positions.
  const Tiles t{local, tm, std::clamp<uint32_t>(std::bit_ceil(static_cast<uint32_t>((runs + local - 1) / local)), 1, 4)};
  vk::PipelineDesc desc = epilogue_pipeline(enc, "conv_forward_narrow", t, tm * taps, bias, act, accumulate, gate);
  desc.specialization.push_back(vk::SpecConstant::u32(7, vec4_stores));
  desc.specialization.push_back(vk::SpecConstant::u32(10, g.R));
  desc.specialization.push_back(vk::SpecConstant::u32(11, g.S));
  desc.specialization.push_back(vk::SpecConstant::u32(12, g.C));
  desc.texel_buffers = 0b0101;  // x and the epilogue's input
  enc.dispatch(desc, {large, w, epilogue_input(bias, gate, small), small}, push_of(g),
               {vk::groups_for(runs, uint64_t{local} * t.tn), vk::groups_for(g.K, tm)});
  return true;
}

// conv_backward_data_cells (shaders/conv_backward_data_cells.comp), for fewer than 8 channels
// on the x side (a ConvTranspose2d to the image's channels): each value the phase kernel
// gathers feeds only C FMAs, while a lane of cells reuses it across taps and neighbours — 4-5x
// faster on lavapipe, more with dy as a texel buffer (docs/BENCHMARKS.md). Each lane a run of TN
// cells of stride² outputs, TM = all C channels, accumulators TM·TN·stride² ≤ 512.
bool cpu_cells_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small, const Tensor& w,
                             const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate) {
  if (!enc.profile().narrow_convolutions || g.C >= 8 || !enc.texel_bindable(small) ||
      !enc.texel_bindable(epilogue_input(bias, gate, large))) {
    return false;
  }
  const uint32_t tm = std::bit_ceil(g.C), phases = g.stride * g.stride;
  const uint32_t cells_v = (g.W + g.pad + g.stride - 1) / g.stride, cells_u = (g.H + g.pad + g.stride - 1) / g.stride;
  const uint32_t tn = std::clamp<uint32_t>(std::min(std::bit_ceil(cells_v), 512 / (tm * phases)), 1, 16);
  const uint64_t lanes = uint64_t{g.N} * cells_u * ((cells_v + tn - 1) / tn);
  Tiles t{lanes >= 6 * 64 ? 64u : 32u, tm, tn};
  // The weights loaded at a time: every tap of the TM channels.
  vk::PipelineDesc desc =
      epilogue_pipeline(enc, "conv_backward_data_cells", t, tm * g.R * g.S, bias, act, accumulate, gate);
  desc.specialization.push_back(vk::SpecConstant::u32(7, g.stride));
  desc.specialization.push_back(vk::SpecConstant::u32(10, g.R));
  desc.specialization.push_back(vk::SpecConstant::u32(11, g.S));
  desc.texel_buffers = 0b0101;  // dy and the epilogue's input
  enc.dispatch(desc, {small, w, epilogue_input(bias, gate, large), large}, push_of(g),
               {vk::groups_for(lanes, t.local), vk::groups_for(g.C, t.tm)});
  return true;
}

// conv_backward_weight_narrow, for few taps (a one-channel layer's 3×3): spreading them over
// lanes leaves most lanes idle, and on a CPU device every dy value is a shared load; here a
// workgroup is one subgroup whose lanes split the positions, in runs of four where an image's
// positions allow, reading dy and x as texel buffers: about 4x faster on lavapipe. Split z
// (workgroup x) takes `chunk` runs; TM from narrow_weight_channels.
std::optional<WeightGradientKernel> cpu_narrow_weight_kernel(const Encoder& enc, const ConvGeometry& g, const Tensor& dy_like,
                                                             const Tensor& x_like, bool accumulate) {
  const uint32_t tm = narrow_weight_channels(enc, g);
  if (tm == 0 || !enc.texel_bindable(dy_like) || !enc.texel_bindable(x_like)) return std::nullopt;
  const uint32_t lanes = enc.profile().narrow_weight_lanes;
  const uint32_t run = (g.P * g.Q) % 4 == 0 ? 4 : 1;
  const uint64_t runs = uint64_t{g.N} * g.P * g.Q / run;
  // About 32 runs a lane: the closing sum over the lanes costs a workgroup about as much as
  // 8 runs do. Never more splits than splits_for, which sizes the workspace.
  const auto splits = static_cast<uint32_t>(std::clamp<uint64_t>(runs / (uint64_t{lanes} * 32), 1, splits_for(g)));
  return WeightGradientKernel{{"conv_backward_weight_narrow", 3, sizeof(Push),
                               {vk::SpecConstant::u32(0, lanes), vk::SpecConstant::u32(1, tm),
                                vk::SpecConstant::u32(3, accumulate && splits == 1), vk::SpecConstant::u32(7, run),
                                vk::SpecConstant::u32(9, g.C), vk::SpecConstant::u32(10, g.R), vk::SpecConstant::u32(11, g.S)},
                               0b011,                               // dy and x as texel buffers
                               4 * tm * g.C * g.R * g.S * lanes},  // lane_sums
                              {splits, vk::groups_for(g.K, tm), 1},
                              splits,
                              static_cast<uint32_t>((runs + splits - 1) / splits)};
}

}  // namespace vkvae::ops::conv_kernels
