// The register-tile convolution kernels, which both profiles run where neither's own family
// takes a pass (conv_kernels.hpp).
#include <algorithm>
#include <bit>

#include "ops/conv_kernels.hpp"

namespace vkvae::ops::conv_kernels {
namespace {

// Tiles keep the profile's accumulators per lane: about 32 on a GPU (registers), 512 on a CPU
// device, where they live in memory anyway and each gathered value then serves 32 rows instead
// of 16: 1.5-2x faster on lavapipe (docs/BENCHMARKS.md). A layer with few rows (one input or
// output channel) gets more columns per lane instead. Fewer columns than 32 (the 9 weights of a
// one-channel 3×3 layer) get a workgroup of one subgroup, each lane taking several columns:
// lanes past the last column still run, and the rows' loads are shared by a lane's columns
// (on lavapipe 8 lanes × 2 columns ran 1.65× faster than 16 lanes × 1 for 9 columns).
Tiles tiles_for(const Encoder& enc, uint64_t columns, uint32_t rows) {
  uint32_t local = columns >= 6 * 64 ? 64 : 32;
  if (columns < local) local = std::max<uint32_t>(enc.subgroup_size(), 1);
  local = std::min<uint32_t>(local, 64);
  const uint32_t max_tm = enc.profile().conv_max_rows, budget = enc.profile().conv_accumulators;
  const uint32_t tm = std::min(max_tm, std::bit_ceil(rows));
  const uint32_t wanted = std::bit_ceil(static_cast<uint32_t>(std::max<uint64_t>(1, (columns + local - 1) / local)));
  return {local, tm, std::min<uint32_t>({wanted, std::max<uint32_t>(4, budget / tm), 16})};
}

}  // namespace

vk::PipelineDesc epilogue_pipeline(const Encoder& enc, const char* shader, const Tiles& t, uint32_t uniform_values,
                                   const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate) {
  vk::PipelineDesc desc{shader, 4, sizeof(Push),
                        {vk::SpecConstant::u32(0, t.local), vk::SpecConstant::u32(1, t.tm), vk::SpecConstant::u32(2, t.tn),
                         vk::SpecConstant::u32(3, bias != nullptr), vk::SpecConstant::u32(4, accumulate),
                         vk::SpecConstant::u32(5, gate != nullptr),
                         vk::SpecConstant::u32(15, enc.uniform_load_lanes(uniform_values))}};
  add_activation_constants(desc, gate != nullptr ? gate->act : act);
  return desc;
}

// conv_forward: TM output channels a workgroup, TN positions a lane in runs of four.
void register_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                      const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate, bool vec4_stores) {
  Tiles t = tiles_for(enc, uint64_t{g.N} * g.P * g.Q, g.K);
  t.tn = std::max<uint32_t>(t.tn, 4);  // runs of four positions (shaders/conv_forward.comp)
  vk::PipelineDesc desc = epilogue_pipeline(enc, "conv_forward", t, t.tm, bias, act, accumulate, gate);
  desc.specialization.push_back(vk::SpecConstant::u32(7, vec4_stores));
  enc.dispatch(desc, {large, w, epilogue_input(bias, gate, small), small}, push_of(g),
               {vk::groups_for(uint64_t{g.N} * g.P * g.Q, uint64_t{t.local} * t.tn), vk::groups_for(g.K, t.tm)});
}

// conv_backward_data: one slice of the grid per sub-pixel phase, TM channels of dx a workgroup.
void register_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small, const Tensor& w,
                            const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate) {
  // Each phase holds at most ⌈H/s⌉·⌈W/s⌉ positions.
  const uint64_t per_phase = uint64_t{g.N} * ((g.H + g.stride - 1) / g.stride) * ((g.W + g.stride - 1) / g.stride);
  const Tiles t = tiles_for(enc, per_phase, g.C);
  const vk::PipelineDesc desc = epilogue_pipeline(enc, "conv_backward_data", t, t.tm, bias, act, accumulate, gate);
  enc.dispatch(desc, {small, w, epilogue_input(bias, gate, large), large}, push_of(g),
               {vk::groups_for(per_phase, uint64_t{t.local} * t.tn), vk::groups_for(g.C, t.tm), g.stride * g.stride});
}

// conv_backward_weight: a workgroup owns TM output channels, its lanes the C·R·S taps; split z
// takes `chunk` output rows (n, p).
WeightGradientKernel register_weight_kernel(const Encoder& enc, const ConvGeometry& g, bool accumulate) {
  const uint32_t taps = g.C * g.R * g.S, splits = splits_for(g);
  const Tiles t = tiles_for(enc, taps, g.K);
  const uint64_t rows = uint64_t{g.N} * g.P;
  return {{"conv_backward_weight", 3, sizeof(Push),
           {vk::SpecConstant::u32(0, t.local), vk::SpecConstant::u32(1, t.tm), vk::SpecConstant::u32(2, t.tn),
            vk::SpecConstant::u32(3, accumulate && splits == 1), vk::SpecConstant::u32(15, enc.uniform_load_lanes(t.tm))}},
          {vk::groups_for(taps, uint64_t{t.local} * t.tn), vk::groups_for(g.K, t.tm), splits},
          splits,
          static_cast<uint32_t>((rows + splits - 1) / splits)};
}

}  // namespace vkvae::ops::conv_kernels
