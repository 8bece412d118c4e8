#include "ops/conv.hpp"

#include <algorithm>
#include <optional>

#include "ops/activation.hpp"
#include "ops/conv_kernels.hpp"
#include "ops/linear.hpp"

namespace vkvae::ops {

uint32_t conv_kernels::splits_for(const ConvGeometry& g) {
  // Splits take whole output rows (n, p); about 512 positions per split, at most 64 splits:
  // enough workgroups to fill a GPU without making the partial sums larger than the work they
  // save.
  const uint64_t positions = uint64_t{g.N} * g.P * g.Q;
  const uint64_t rows = uint64_t{g.N} * g.P;
  return static_cast<uint32_t>(std::clamp<uint64_t>(std::min(rows, positions / 512), 1, 64));
}

namespace {

using namespace conv_kernels;

void expect_4d(const std::string& op, const char* role, const Shape& s) {
  if (s.rank() != 4) op_error(op, std::string(role) + " must have 4 dimensions, got " + s.str());
  expect_positive(op, {s[0], s[1], s[2], s[3]});
}

// Each pass asks the CPU profile's family, then the GPU profile's, and falls back on the
// register kernels (conv_kernels.hpp).

// y-side ← x-side: Conv2d forward, ConvTranspose2d data gradient.
void dispatch_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                      const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate = nullptr) {
  // A run of four positions is stored as one vec4 where an image's positions and the tensors allow.
  const bool aligned = small.offset % 16 == 0 && (gate == nullptr || gate->y.offset % 16 == 0);
  const bool vec4_stores = (g.P * g.Q) % 4 == 0 && aligned;
  if (cpu_narrow_forward(enc, g, small, large, w, bias, act, accumulate, gate, vec4_stores)) return;
  if (tiled_forward(enc, g, small, large, w, bias, act, accumulate, gate)) return;
  register_forward(enc, g, small, large, w, bias, act, accumulate, gate, vec4_stores);
}

// x-side ← y-side: Conv2d data gradient, ConvTranspose2d forward.
void dispatch_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small,
                            const Tensor& w, const Tensor* bias, ActivationSpec act, bool accumulate,
                            const ActivationGate* gate = nullptr) {
  if (cpu_cells_backward_data(enc, g, large, small, w, bias, act, accumulate, gate)) return;
  if (tiled_backward_data(enc, g, large, small, w, bias, act, accumulate, gate)) return;
  register_backward_data(enc, g, large, small, w, bias, act, accumulate, gate);
}

// dw (K,C,R,S) from the small side `dy_like` (N,K,P,Q) and the large side `x_like` (N,C,H,W);
// `bias` (optional) is the bias gradient's sum, run in the pass that adds up the splits.
void dispatch_backward_weight(Encoder& enc, const std::string& op, const ConvGeometry& g, const Tensor& dw,
                              const Tensor& dy_like, const Tensor& x_like, const Tensor* workspace, bool accumulate,
                              const OuterInnerSum* bias) {
  const uint32_t taps = g.C * g.R * g.S;
  std::optional<WeightGradientKernel> chosen = cpu_narrow_weight_kernel(enc, g, dy_like, x_like, accumulate);
  if (!chosen) chosen = tiled_weight_kernel(enc, g, accumulate);
  const WeightGradientKernel kernel = chosen ? *chosen : register_weight_kernel(enc, g, accumulate);
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
  const uint32_t splits = conv_kernels::splits_for(g);
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
