#include "ops/conv.hpp"

#include <algorithm>
#include <bit>
#include <optional>

#include "ops/activation.hpp"
#include "ops/linear.hpp"
#include "ops/tiled_product.hpp"

namespace vkvae::ops {
namespace {

struct Push {
  uint32_t N, C, H, W, K, P, Q, R, S, stride, pad, chunk;
};

Push push_of(const ConvGeometry& g, uint32_t chunk = 0) {
  return {g.N, g.C, g.H, g.W, g.K, g.P, g.Q, g.R, g.S, g.stride, g.pad, chunk};
}

void expect_4d(const std::string& op, const char* role, const Shape& s) {
  if (s.rank() != 4) op_error(op, std::string(role) + " must have 4 dimensions, got " + s.str());
  expect_positive(op, {s[0], s[1], s[2], s[3]});
}

// Tiles as for GEMM: TM rows per workgroup, TN positions per lane, narrower for small outputs.
struct Tiles {
  uint32_t local, tm, tn;
};

// Tiles keep the profile's accumulators per lane: about 32 on a GPU (registers), 512 on a CPU
// device, where they live in memory anyway and each gathered value then serves 32 rows instead
// of 16: 1.5-2x faster on lavapipe (docs/BENCHMARKS.md). A layer with few rows (one input or output channel)
// gets more columns per lane instead. Fewer columns than 32 (the 9 weights of a
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

// y-side ← x-side: Conv2d forward, ConvTranspose2d data gradient.
// The pipeline of conv_forward or conv_backward_data with the epilogue of shaders/gemm_epilogue.glsl:
// a bias and activation, or a gate (whose activation then applies as a derivative). The kernel
// loads `uniform_values` weights at a time (shaders/uniform_loads.glsl).
vk::PipelineDesc epilogue_pipeline(const Encoder& enc, const char* shader, const Tiles& t, uint32_t uniform_values,
                                   const Tensor* bias, ActivationSpec act, bool accumulate,
                                   const ActivationGate* gate) {
  vk::PipelineDesc desc{shader, 4, sizeof(Push),
                        {vk::SpecConstant::u32(0, t.local), vk::SpecConstant::u32(1, t.tm), vk::SpecConstant::u32(2, t.tn),
                         vk::SpecConstant::u32(3, bias != nullptr), vk::SpecConstant::u32(4, accumulate),
                         vk::SpecConstant::u32(5, gate != nullptr),
                         vk::SpecConstant::u32(15, enc.uniform_load_lanes(uniform_values))}};
  add_activation_constants(desc, gate != nullptr ? gate->act : act);
  return desc;
}

// The block shape of a GPU-profile implicit GEMM whose rows are output positions (many), with
// `columns` output channels and a sum of `terms` (shaders/tiled_product.glsl), or none (the
// register kernels) outside the GPU profile and where fewer than 16 channels would leave its
// blocks mostly empty: 64×64 where the channels half fill it and the terms a slab of 16, else
// 128×32 with slabs of 8 (a one-channel layer's 9 taps; its 32 channels).
std::optional<TiledShape> position_rows_shape(const Encoder& enc, uint32_t columns, uint32_t terms) {
  if (!enc.profile().tiled_gemm || columns < 16) return std::nullopt;
  return columns >= 32 && terms >= 16 ? kSquareTiles : kShortSumTiles;
}

// The pipeline of a GPU-profile implicit GEMM (conv_*_tiled.comp) of block shape `shape` with
// the epilogue of shaders/gemm_epilogue.glsl.
vk::PipelineDesc tiled_epilogue_pipeline(const char* shader, TiledShape shape, const Tensor* bias, ActivationSpec act,
                                         bool accumulate, const ActivationGate* gate) {
  vk::PipelineDesc desc{shader, 4, sizeof(Push),
                        {vk::SpecConstant::u32(3, bias != nullptr), vk::SpecConstant::u32(4, accumulate),
                         vk::SpecConstant::u32(5, gate != nullptr)}};
  set_tiled_shape(desc, shape);
  add_activation_constants(desc, gate != nullptr ? gate->act : act);
  return desc;
}

// What binding 2 (epilogue_in) holds: the bias, the gate's activation output, or (unused) the output.
const Tensor& epilogue_input(const Tensor* bias, const ActivationGate* gate, const Tensor& output) {
  return bias != nullptr ? *bias : gate != nullptr ? gate->y : output;
}

// conv_forward_narrow (shaders/conv_forward_narrow.comp): each lane up to four runs of four
// positions, whose input windows (C·R·S values a position) it gathers once; TM channels a
// workgroup, whose TM·C·R·S weights every lane holds, within a CPU device's budget of 512.
void dispatch_forward_narrow(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large,
                             const Tensor& w, const Tensor* bias, ActivationSpec act, bool accumulate,
                             const ActivationGate* gate, bool vec4_stores) {
  const uint32_t taps = g.C * g.R * g.S;
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
}

void dispatch_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                      const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate = nullptr) {
  // A run of four positions is stored as one vec4 where an image's positions and the tensors allow.
  const bool aligned = small.offset % 16 == 0 && (gate == nullptr || gate->y.offset % 16 == 0);
  const bool vec4_stores = (g.P * g.Q) % 4 == 0 && aligned;
  // Few taps (a one-channel layer's 3×3): tap by tap, conv_forward's time goes to updating
  // accumulators in memory; the narrow kernel makes each output in a register, 1.35–1.75× faster on
  // lavapipe (docs/BENCHMARKS.md). GPUs keep conv_forward until the narrow kernel is measured there.
  if (enc.profile().narrow_convolutions && g.C * g.R * g.S <= 32 && enc.texel_bindable(large) &&
      enc.texel_bindable(epilogue_input(bias, gate, small))) {
    dispatch_forward_narrow(enc, g, small, large, w, bias, act, accumulate, gate, vec4_stores);
    return;
  }
  // The GPU profile's implicit GEMM through shared memory (shaders/conv_forward_tiled.comp).
  if (const auto shape = position_rows_shape(enc, g.K, g.C * g.R * g.S)) {
    vk::PipelineDesc desc = tiled_epilogue_pipeline("conv_forward_tiled", *shape, bias, act, accumulate, gate);
    // The weights in vec4s along the taps where a weight's taps come in whole quads.
    desc.specialization.push_back(vk::SpecConstant::u32(10, (g.C * g.R * g.S) % 4 == 0 && w.offset % 16 == 0));
    enc.dispatch(desc, {large, w, epilogue_input(bias, gate, small), small}, push_of(g),
                 {vk::groups_for(g.K, shape->columns), vk::groups_for(uint64_t{g.N} * g.P * g.Q, shape->rows)});
    return;
  }
  Tiles t = tiles_for(enc, uint64_t{g.N} * g.P * g.Q, g.K);
  t.tn = std::max<uint32_t>(t.tn, 4);  // runs of four positions (shaders/conv_forward.comp)
  vk::PipelineDesc desc = epilogue_pipeline(enc, "conv_forward", t, t.tm, bias, act, accumulate, gate);
  desc.specialization.push_back(vk::SpecConstant::u32(7, vec4_stores));
  enc.dispatch(desc, {large, w, epilogue_input(bias, gate, small), small}, push_of(g),
               {vk::groups_for(uint64_t{g.N} * g.P * g.Q, uint64_t{t.local} * t.tn), vk::groups_for(g.K, t.tm)});
}

// conv_backward_data_cells (shaders/conv_backward_data_cells.comp): each lane a run of TN cells
// of stride² outputs, TM = all C channels, accumulators TM·TN·stride² ≤ 512 (a CPU device's budget).
void dispatch_backward_data_cells(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small,
                                  const Tensor& w, const Tensor* bias, ActivationSpec act, bool accumulate,
                                  const ActivationGate* gate) {
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
}

// x-side ← y-side: Conv2d data gradient, ConvTranspose2d forward.
void dispatch_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small,
                            const Tensor& w, const Tensor* bias, ActivationSpec act, bool accumulate,
                            const ActivationGate* gate = nullptr) {
  // Fewer than 8 channels on the x side (a ConvTranspose2d to one image channel): each value the
  // phase kernel gathers feeds only C FMAs, while a lane of cells reuses it across taps and
  // neighbours — 4-5x faster on lavapipe, more with dy as a texel buffer (docs/BENCHMARKS.md).
  // GPUs, whose gathers are coalesced loads, keep the phase kernel until the cells are measured
  // there; tensors past the texel-buffer limits too.
  if (enc.profile().narrow_convolutions && g.C < 8 && enc.texel_bindable(small) &&
      enc.texel_bindable(epilogue_input(bias, gate, large))) {
    dispatch_backward_data_cells(enc, g, large, small, w, bias, act, accumulate, gate);
    return;
  }
  // The GPU profile's implicit GEMM through shared memory (shaders/conv_backward_data_tiled.comp):
  // a GEMM a sub-pixel phase, over the phase's ⌈(H + pad)/s⌉·⌈(W + pad)/s⌉ positions an image,
  // its sum over the K channels of dy and the phase's taps. A ConvTranspose2d to one image
  // channel, a product one column wide, keeps the register kernel.
  if (const auto shape = position_rows_shape(enc, g.C, g.K)) {
    const uint64_t positions = uint64_t{g.N} * ((g.H + g.pad + g.stride - 1) / g.stride) * ((g.W + g.pad + g.stride - 1) / g.stride);
    enc.dispatch(tiled_epilogue_pipeline("conv_backward_data_tiled", *shape, bias, act, accumulate, gate),
                 {small, w, epilogue_input(bias, gate, large), large}, push_of(g),
                 {vk::groups_for(g.C, shape->columns), vk::groups_for(positions, shape->rows), g.stride * g.stride});
    return;
  }
  // One slice of the grid per sub-pixel phase; each phase holds at most ⌈H/s⌉·⌈W/s⌉ positions.
  const uint64_t per_phase = uint64_t{g.N} * ((g.H + g.stride - 1) / g.stride) * ((g.W + g.stride - 1) / g.stride);
  const Tiles t = tiles_for(enc, per_phase, g.C);
  const vk::PipelineDesc desc = epilogue_pipeline(enc, "conv_backward_data", t, t.tm, bias, act, accumulate, gate);
  enc.dispatch(desc, {small, w, epilogue_input(bias, gate, large), large}, push_of(g),
               {vk::groups_for(per_phase, uint64_t{t.local} * t.tn), vk::groups_for(g.C, t.tm), g.stride * g.stride});
}

uint32_t splits_for(const ConvGeometry& g) {
  // Splits take whole output rows (n, p); about 512 positions per split, at most 64 splits:
  // enough workgroups to fill a GPU without making the partial sums larger than the work they
  // save.
  const uint64_t positions = uint64_t{g.N} * g.P * g.Q;
  const uint64_t rows = uint64_t{g.N} * g.P;
  return static_cast<uint32_t>(std::clamp<uint64_t>(std::min(rows, positions / 512), 1, 64));
}

// A weight gradient's kernel: its pipeline, grid, how many splits add partial sums (1: the
// kernel writes dw itself, adding to it when accumulating) and the `chunk` of work a split takes.
struct WeightGradientKernel {
  vk::PipelineDesc pipeline;
  vk::Groups groups;
  uint32_t splits, chunk;
};

// conv_backward_weight: a workgroup owns TM output channels, its lanes the C·R·S taps; split z
// takes `chunk` output rows (n, p).
WeightGradientKernel tap_lanes_kernel(const Encoder& enc, const ConvGeometry& g, bool accumulate) {
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

// The block shape of conv_backward_weight_tiled (the GPU profile's implicit GEMM: rows the K
// channels of dy, columns the C·R·S taps, a long sum over output positions), or none outside
// the GPU profile and where it would be mostly empty: 64×64 where both sides half fill it, else
// 32×16 with slabs of 32 positions where 16 channels and 8 taps do (a one-channel layer's 32 × 9).
std::optional<TiledShape> weight_gradient_shape(const Encoder& enc, const ConvGeometry& g) {
  const uint32_t taps = g.C * g.R * g.S;
  if (!enc.profile().tiled_gemm) return std::nullopt;
  if (g.K >= 32 && taps >= 32) return kSquareTiles;
  if (g.K >= 16 && taps >= 8) return kNarrowTiles;
  return std::nullopt;
}

// conv_backward_weight_tiled in block shape `shape`, split z taking `chunk` output rows (n, p)
// as tap_lanes_kernel's splits do.
WeightGradientKernel tiled_kernel(const ConvGeometry& g, TiledShape shape, bool accumulate) {
  const uint32_t taps = g.C * g.R * g.S, splits = splits_for(g);
  const uint64_t rows = uint64_t{g.N} * g.P;
  vk::PipelineDesc desc{"conv_backward_weight_tiled", 3, sizeof(Push), {vk::SpecConstant::u32(3, accumulate && splits == 1)}};
  set_tiled_shape(desc, shape);
  return {desc,
          {vk::groups_for(taps, shape.columns), vk::groups_for(g.K, shape.rows), splits},
          splits,
          static_cast<uint32_t>((rows + splits - 1) / splits)};
}

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

// conv_backward_weight_narrow: a workgroup is one subgroup whose lanes split the positions, in
// runs of four where an image's positions allow; split z (workgroup x) takes `chunk` runs; TM
// from narrow_weight_channels.
WeightGradientKernel position_lanes_kernel(const Encoder& enc, const ConvGeometry& g, uint32_t tm, bool accumulate) {
  const uint32_t lanes = enc.profile().narrow_weight_lanes;
  const uint32_t run = (g.P * g.Q) % 4 == 0 ? 4 : 1;
  const uint64_t runs = uint64_t{g.N} * g.P * g.Q / run;
  // About 32 runs a lane: the closing sum over the lanes costs a workgroup about as much as
  // 8 runs do. Never more splits than splits_for, which sizes the workspace.
  const auto splits = static_cast<uint32_t>(std::clamp<uint64_t>(runs / (uint64_t{lanes} * 32), 1, splits_for(g)));
  return {{"conv_backward_weight_narrow", 3, sizeof(Push),
           {vk::SpecConstant::u32(0, lanes), vk::SpecConstant::u32(1, tm),
            vk::SpecConstant::u32(3, accumulate && splits == 1), vk::SpecConstant::u32(7, run),
            vk::SpecConstant::u32(9, g.C), vk::SpecConstant::u32(10, g.R), vk::SpecConstant::u32(11, g.S)},
           0b011,  // dy and x as texel buffers
           4 * tm * g.C * g.R * g.S * lanes},  // lane_sums
          {splits, vk::groups_for(g.K, tm), 1},
          splits,
          static_cast<uint32_t>((runs + splits - 1) / splits)};
}

// dw (K,C,R,S) from the small side `dy_like` (N,K,P,Q) and the large side `x_like` (N,C,H,W);
// `bias` (optional) is the bias gradient's sum, run in the pass that adds up the splits.
void dispatch_backward_weight(Encoder& enc, const std::string& op, const ConvGeometry& g, const Tensor& dw,
                              const Tensor& dy_like, const Tensor& x_like, const Tensor* workspace, bool accumulate,
                              const OuterInnerSum* bias) {
  const uint32_t taps = g.C * g.R * g.S;
  // Few taps (a one-channel layer's 3×3): spreading them over lanes leaves most lanes idle, and on
  // a CPU device every dy value is a shared load; lanes over positions, reading dy and x as texel
  // buffers, are about 4x faster on lavapipe (docs/BENCHMARKS.md). GPUs keep the tap lanes until
  // the narrow kernel is measured there; tensors past the texel-buffer limits too.
  // The GPU profile takes layers whose channels and taps half fill one of its block shapes as
  // an implicit GEMM through shared memory.
  const uint32_t narrow_tm = narrow_weight_channels(enc, g);
  const std::optional<TiledShape> tiled = weight_gradient_shape(enc, g);
  const WeightGradientKernel kernel = tiled ? tiled_kernel(g, *tiled, accumulate)
                                      : narrow_tm > 0 && enc.texel_bindable(dy_like) && enc.texel_bindable(x_like)
                                          ? position_lanes_kernel(enc, g, narrow_tm, accumulate)
                                          : tap_lanes_kernel(enc, g, accumulate);
  if (kernel.splits == 1) {
    enc.dispatch(kernel.pipeline, {dy_like, x_like, dw}, push_of(g, kernel.chunk), kernel.groups);
    if (bias != nullptr) sum_outer_inner(enc, *bias, nullptr, accumulate);
    return;
  }
  const uint64_t needed = uint64_t{kernel.splits} * g.K * taps;
  if (workspace == nullptr || static_cast<uint64_t>(workspace->numel()) < needed) {
    op_error(op, "the weight gradient needs a workspace of " + std::to_string(needed) + " elements");
  }
  Tensor partials = *workspace;
  partials.shape = {static_cast<int64_t>(needed)};
  enc.dispatch(kernel.pipeline, {dy_like, x_like, partials}, push_of(g, kernel.chunk), kernel.groups);
  enc.barrier();
  Tensor flat_dw = dw;  // (K,C,R,S) summed as K·C·R·S values
  flat_dw.shape = {dw.numel()};
  sum_outer_inner(enc, OuterInnerSum{flat_dw, partials, kernel.splits, g.K * taps, 1}, bias, accumulate);
}

// The checks both forward entry points make; `y_shape` is (N, channels, height, width).
void check_forward(const std::string& op, ActivationSpec act, const Tensor& y, const Tensor& x, const Tensor& w,
                   const Tensor* b, const Shape& y_shape) {
  validate_activation(op, act);
  expect_shape(op, "x", x, x.shape);
  expect_shape(op, "weight", w, w.shape);
  expect_shape(op, "y", y, y_shape);
  if (b != nullptr) expect_shape(op, "bias", *b, {y_shape[1]});
}

// The checks both backward entry points make; `dz_shape` is the forward output's shape.
void check_backward(const std::string& op, const LayerGrads& grads, const Tensor& dz, const Tensor& x,
                    const Tensor& w, const Shape& dz_shape) {
  expect_shape(op, "dz", dz, dz_shape);
  if (grads.dx != nullptr) expect_shape(op, "dx", *grads.dx, x.shape);
  if (grads.dw != nullptr) expect_shape(op, "dw", *grads.dw, w.shape);
  if (grads.db != nullptr) expect_shape(op, "db", *grads.db, {dz_shape[1]});
}

void check_gate(const std::string& op, const ActivationGate* gate, const Tensor& dx) {
  if (gate == nullptr) return;
  validate_activation(op, gate->act);
  expect_shape(op, "gate", gate->y, dx.shape);
}

}  // namespace

ConvGeometry conv2d_geometry(const std::string& op, const Shape& x, const Shape& w, const ConvParams& p) {
  expect_4d(op, "x", x);
  expect_4d(op, "weight", w);
  if (w[1] != x[1]) op_error(op, "x " + x.str() + " has " + std::to_string(x[1]) + " channels but weight " + w.str() + " takes " + std::to_string(w[1]));
  if (p.stride == 0) op_error(op, "stride must be at least 1");
  if (p.output_padding != 0) op_error(op, "output_padding is for transposed convolutions");
  const int64_t ph = x[2] + 2 * int64_t{p.padding} - w[2], pw = x[3] + 2 * int64_t{p.padding} - w[3];
  if (ph < 0 || pw < 0) {
    op_error(op, "kernel " + std::to_string(w[2]) + "x" + std::to_string(w[3]) + " does not fit input " +
                     std::to_string(x[2]) + "x" + std::to_string(x[3]) + " with padding " + std::to_string(p.padding));
  }
  return {static_cast<uint32_t>(x[0]), static_cast<uint32_t>(x[1]), static_cast<uint32_t>(x[2]), static_cast<uint32_t>(x[3]),
          static_cast<uint32_t>(w[0]), static_cast<uint32_t>(ph / p.stride + 1), static_cast<uint32_t>(pw / p.stride + 1),
          static_cast<uint32_t>(w[2]), static_cast<uint32_t>(w[3]), p.stride, p.padding};
}

ConvGeometry conv_transpose2d_geometry(const std::string& op, const Shape& x, const Shape& w, const ConvParams& p) {
  expect_4d(op, "x", x);
  expect_4d(op, "weight", w);
  if (w[0] != x[1]) op_error(op, "x " + x.str() + " has " + std::to_string(x[1]) + " channels but weight " + w.str() + " takes " + std::to_string(w[0]));
  if (p.stride == 0) op_error(op, "stride must be at least 1");
  if (p.output_padding >= p.stride) op_error(op, "output_padding " + std::to_string(p.output_padding) + " must be smaller than the stride " + std::to_string(p.stride));
  const int64_t ho = (x[2] - 1) * p.stride - 2 * int64_t{p.padding} + w[2] + p.output_padding;
  const int64_t wo = (x[3] - 1) * p.stride - 2 * int64_t{p.padding} + w[3] + p.output_padding;
  if (ho < 1 || wo < 1) op_error(op, "padding " + std::to_string(p.padding) + " leaves no output");
  return {static_cast<uint32_t>(x[0]), static_cast<uint32_t>(w[1]), static_cast<uint32_t>(ho), static_cast<uint32_t>(wo),
          static_cast<uint32_t>(x[1]), static_cast<uint32_t>(x[2]), static_cast<uint32_t>(x[3]),
          static_cast<uint32_t>(w[2]), static_cast<uint32_t>(w[3]), p.stride, p.padding};
}

Shape conv2d_output_shape(const Shape& x, const Shape& w, const ConvParams& p) {
  const ConvGeometry g = conv2d_geometry("conv2d", x, w, p);
  return {g.N, g.K, g.P, g.Q};
}

Shape conv_transpose2d_output_shape(const Shape& x, const Shape& w, const ConvParams& p) {
  const ConvGeometry g = conv_transpose2d_geometry("conv_transpose2d", x, w, p);
  return {g.N, g.C, g.H, g.W};
}

uint64_t conv_workspace_elements(const ConvGeometry& g) {
  const uint32_t splits = splits_for(g);
  return splits == 1 ? 0 : uint64_t{splits} * g.K * g.C * g.R * g.S;
}

void conv2d_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w, const Tensor* b,
                    const ConvParams& params, ActivationSpec act) {
  const std::string op = "conv2d_forward";
  const ConvGeometry g = conv2d_geometry(op, x.shape, w.shape, params);
  check_forward(op, act, y, x, w, b, {g.N, g.K, g.P, g.Q});
  dispatch_forward(enc, g, y, x, w, b, act, false);
}

void conv2d_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x, const Tensor& w,
                     const ConvParams& params, const Tensor* workspace) {
  const std::string op = "conv2d_backward";
  const ConvGeometry g = conv2d_geometry(op, x.shape, w.shape, params);
  check_backward(op, grads, dz, x, w, {g.N, g.K, g.P, g.Q});
  if (grads.dx != nullptr) conv2d_backward_input(enc, *grads.dx, dz, w, params, grads.accumulate_input);
  if (grads.dw != nullptr) {
    conv2d_backward_weight(enc, *grads.dw, dz, x, params, workspace, grads.accumulate_params, grads.db);
  } else if (grads.db != nullptr) {
    sum_outer_inner(enc, *grads.db, dz, g.N, g.K, g.P * g.Q, grads.accumulate_params);
  }
}

void conv2d_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w,
                           const ConvParams& params, bool accumulate, const ActivationGate* gate) {
  const std::string op = "conv2d_backward_input";
  const ConvGeometry g = conv2d_geometry(op, dx.shape, w.shape, params);  // dx has x's shape
  check_backward(op, {&dx}, dz, dx, w, {g.N, g.K, g.P, g.Q});
  check_gate(op, gate, dx);
  dispatch_backward_data(enc, g, dx, dz, w, nullptr, {}, accumulate, gate);
}

void conv2d_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x,
                            const ConvParams& params, const Tensor* workspace, bool accumulate, const Tensor* db) {
  const std::string op = "conv2d_backward_weight";
  const ConvGeometry g = conv2d_geometry(op, x.shape, dw.shape, params);  // dw has w's shape
  check_backward(op, {nullptr, &dw, db}, dz, x, dw, {g.N, g.K, g.P, g.Q});
  std::optional<OuterInnerSum> bias;
  if (db != nullptr) bias = OuterInnerSum{*db, dz, g.N, g.K, g.P * g.Q};
  dispatch_backward_weight(enc, op, g, dw, dz, x, workspace, accumulate, bias ? &*bias : nullptr);
}

void conv_transpose2d_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w, const Tensor* b,
                              const ConvParams& params, ActivationSpec act) {
  const std::string op = "conv_transpose2d_forward";
  const ConvGeometry g = conv_transpose2d_geometry(op, x.shape, w.shape, params);
  check_forward(op, act, y, x, w, b, {g.N, g.C, g.H, g.W});
  dispatch_backward_data(enc, g, y, x, w, b, act, false);
}

void conv_transpose2d_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x,
                               const Tensor& w, const ConvParams& params, const Tensor* workspace) {
  const std::string op = "conv_transpose2d_backward";
  const ConvGeometry g = conv_transpose2d_geometry(op, x.shape, w.shape, params);
  check_backward(op, grads, dz, x, w, {g.N, g.C, g.H, g.W});
  if (grads.dx != nullptr) conv_transpose2d_backward_input(enc, *grads.dx, dz, w, params, grads.accumulate_input);
  if (grads.dw != nullptr) {
    conv_transpose2d_backward_weight(enc, *grads.dw, dz, x, params, workspace, grads.accumulate_params, grads.db);
  } else if (grads.db != nullptr) {
    sum_outer_inner(enc, *grads.db, dz, g.N, g.C, g.H * g.W, grads.accumulate_params);
  }
}

void conv_transpose2d_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w,
                                     const ConvParams& params, bool accumulate, const ActivationGate* gate) {
  const std::string op = "conv_transpose2d_backward_input";
  const ConvGeometry g = conv_transpose2d_geometry(op, dx.shape, w.shape, params);  // dx has x's shape
  check_backward(op, {&dx}, dz, dx, w, {g.N, g.C, g.H, g.W});
  check_gate(op, gate, dx);
  dispatch_forward(enc, g, dx, dz, w, nullptr, {}, accumulate, gate);
}

void conv_transpose2d_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x,
                                      const ConvParams& params, const Tensor* workspace, bool accumulate,
                                      const Tensor* db) {
  const std::string op = "conv_transpose2d_backward_weight";
  const ConvGeometry g = conv_transpose2d_geometry(op, x.shape, dw.shape, params);  // dw has w's shape
  check_backward(op, {nullptr, &dw, db}, dz, x, dw, {g.N, g.C, g.H, g.W});
  std::optional<OuterInnerSum> bias;
  if (db != nullptr) bias = OuterInnerSum{*db, dz, g.N, g.C, g.H * g.W};
  dispatch_backward_weight(enc, op, g, dw, x, dz, workspace, accumulate, bias ? &*bias : nullptr);
}

}  // namespace vkvae::ops
