#include "ops/linear.hpp"

#include "ops/gemm.hpp"

namespace vkvae::ops {
namespace {

struct LinearDims {
  uint32_t batch, in, out;
};

LinearDims linear_dims(const std::string& op, const Tensor& x, const Tensor& w) {
  if (x.shape.rank() != 2) op_error(op, "x must be (batch, in), got " + x.shape.str());
  if (w.shape.rank() != 2) op_error(op, "weight must be (out, in), got " + w.shape.str());
  expect_positive(op, {x.shape[0], x.shape[1], w.shape[0]});
  if (w.shape[1] != x.shape[1]) {
    op_error(op, "x " + x.shape.str() + " has " + std::to_string(x.shape[1]) +
                     " features but weight " + w.shape.str() + " takes " + std::to_string(w.shape[1]));
  }
  return {static_cast<uint32_t>(x.shape[0]), static_cast<uint32_t>(x.shape[1]),
          static_cast<uint32_t>(w.shape[0])};
}

}  // namespace

void linear_forward(Encoder& enc, const Tensor& y, const Tensor& x, const Tensor& w,
                    const Tensor* b, ActivationSpec act, const Tensor* workspace) {
  const std::string op = "linear_forward";
  const LinearDims d = linear_dims(op, x, w);
  expect_shape(op, "x", x, x.shape);
  expect_shape(op, "weight", w, w.shape);
  expect_shape(op, "y", y, {d.batch, d.out});
  if (b != nullptr) expect_shape(op, "bias", *b, {d.out});
  GemmArgs g;
  g.M = d.batch, g.N = d.out, g.K = d.in;
  g.a = x, g.sam = d.in, g.sak = 1;   // A = x
  g.b = w, g.sbk = 1, g.sbn = d.in;   // B(k,n) = w[n][k]
  g.c = y, g.scm = d.out;
  g.bias = b;
  g.act = act;
  g.workspace = workspace;
  gemm(enc, g, op);
}

uint64_t linear_forward_workspace_elements(const Shape& x, const Shape& w, const KernelProfile& profile) {
  if (x.rank() != 2 || w.rank() != 2) return 0;
  return gemm_workspace_elements(static_cast<uint32_t>(x[0]), static_cast<uint32_t>(w[0]), static_cast<uint32_t>(x[1]), profile);
}

void linear_backward(Encoder& enc, const LayerGrads& grads, const Tensor& dz, const Tensor& x,
                     const Tensor& w) {
  const std::string op = "linear_backward";
  const LinearDims d = linear_dims(op, x, w);
  expect_shape(op, "dz", dz, {d.batch, d.out});
  if (grads.dx != nullptr) linear_backward_input(enc, *grads.dx, dz, w, grads.accumulate_input);
  if (grads.dw != nullptr) {
    linear_backward_weight(enc, *grads.dw, dz, x, grads.accumulate_params, grads.db);
  } else if (grads.db != nullptr) {
    expect_shape(op, "db", *grads.db, {d.out});
    sum_outer_inner(enc, *grads.db, dz, d.batch, d.out, 1, grads.accumulate_params);
  }
}

void linear_backward_input(Encoder& enc, const Tensor& dx, const Tensor& dz, const Tensor& w, bool accumulate,
                           const ActivationGate* gate, const Tensor* workspace) {
  const std::string op = "linear_backward_input";
  const LinearDims d = linear_dims(op, dx, w);  // dx has x's shape
  expect_shape(op, "dz", dz, {d.batch, d.out});
  expect_shape(op, "dx", dx, dx.shape);
  if (gate != nullptr) {
    validate_activation(op, gate->act);
    expect_shape(op, "gate", gate->y, dx.shape);
  }
  GemmArgs g;
  g.M = d.batch, g.N = d.in, g.K = d.out;
  g.a = dz, g.sam = d.out, g.sak = 1;  // A = dz
  g.b = w, g.sbk = d.in, g.sbn = 1;    // B = w
  g.c = dx, g.scm = d.in;
  g.accumulate = accumulate;
  if (gate != nullptr) g.gate = &gate->y, g.act = gate->act;
  g.workspace = workspace;
  gemm(enc, g, op);
}

uint64_t linear_input_workspace_elements(const Shape& dz, const Shape& w, const KernelProfile& profile) {
  if (dz.rank() != 2 || w.rank() != 2) return 0;
  return gemm_workspace_elements(static_cast<uint32_t>(dz[0]), static_cast<uint32_t>(w[1]), static_cast<uint32_t>(dz[1]), profile);
}

uint64_t linear_weight_workspace_elements(const Shape& x, const Shape& dz, const KernelProfile& profile) {
  if (x.rank() != 2 || dz.rank() != 2) return 0;
  return gemm_workspace_elements(static_cast<uint32_t>(dz[1]), static_cast<uint32_t>(x[1]), static_cast<uint32_t>(x[0]), profile);
}

void linear_backward_weight(Encoder& enc, const Tensor& dw, const Tensor& dz, const Tensor& x, bool accumulate,
                            const Tensor* db, const Tensor* workspace) {
  const std::string op = "linear_backward_weight";
  const LinearDims d = linear_dims(op, x, dw);  // dw has w's shape
  expect_shape(op, "dz", dz, {d.batch, d.out});
  expect_shape(op, "dw", dw, dw.shape);
  if (db != nullptr) expect_shape(op, "db", *db, {d.out});
  GemmArgs g;
  g.M = d.out, g.N = d.in, g.K = d.batch;
  g.a = dz, g.sam = 1, g.sak = d.out;  // A(m,k) = dz[k][m]
  g.b = x, g.sbk = d.in, g.sbn = 1;    // B = x
  g.c = dw, g.scm = d.in;
  g.accumulate = accumulate;
  g.row_sums = db;  // Σ_k A(m,k) = Σ_batch dz[·][m]
  g.workspace = workspace;
  gemm(enc, g, op);
}

void sum_outer_inner(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t A, uint32_t B,
                     uint32_t C, bool accumulate) {
  sum_outer_inner(enc, OuterInnerSum{y, x, A, B, C}, nullptr, accumulate);
}

void sum_outer_inner(Encoder& enc, const OuterInnerSum& first, const OuterInnerSum* second, bool accumulate) {
  const std::string op = "sum_outer_inner";
  for (const OuterInnerSum* s : {&first, second}) {
    if (s == nullptr) continue;
    expect_positive(op, {s->A, s->B, s->C});
    if (s->x.numel() != int64_t{s->A} * s->B * s->C) {
      op_error(op, "x " + s->x.shape.str() + " is not (" + std::to_string(s->A) + ", " + std::to_string(s->B) +
                       ", " + std::to_string(s->C) + ")");
    }
    expect_shape(op, "x", s->x, s->x.shape);
    expect_shape(op, "y", s->y, {s->B});
  }
  struct Push {
    uint32_t A, B, C, A2, B2, C2, groups1;
  };
  constexpr uint32_t kLocal = 64;
  // Without a second sum the first one's tensors fill its bindings (B2 = 0: never touched).
  const OuterInnerSum& other = second != nullptr ? *second : OuterInnerSum{first.y, first.x, 0, 0, 0};
  // A workgroup per output where an output adds many terms (shaders/sum_outer_inner.comp): the
  // bias of a convolution over a batch of images, 10⁵ terms for one channel, had taken one
  // invocation 0.7 ms on lavapipe.
  const auto wide = [](const OuterInnerSum& s) { return uint64_t{s.A} * s.C >= 4096 && s.B <= 65535; };
  const auto vec4_loads = [](const OuterInnerSum& s) { return s.C % 4 == 0 && s.x.offset % 16 == 0; };
  const auto groups = [&](const OuterInnerSum& s) { return wide(s) ? s.B : vk::groups_for(s.B, kLocal); };
  const uint32_t groups1 = groups(first);
  enc.dispatch({"sum_outer_inner", 4, sizeof(Push),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, accumulate),
                 vk::SpecConstant::u32(2, wide(first)), vk::SpecConstant::u32(3, wide(other)),
                 vk::SpecConstant::u32(4, vec4_loads(first)), vk::SpecConstant::u32(5, vec4_loads(other))}},
               {first.x, first.y, other.x, other.y},
               Push{first.A, first.B, first.C, other.A, other.B, other.C, groups1},
               {groups1 + groups(other)});
}

}  // namespace vkvae::ops
