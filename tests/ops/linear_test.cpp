// Linear forward and backward against the double-precision reference, on awkward shapes that
// reach every GEMM kernel (vec4 along K, vec4 along N, scalar) and every activation.
#include <cmath>
#include <optional>

#include "ops/gemm.hpp"
#include "ops/linear.hpp"
#include "ops/op_harness.hpp"
#include "ops/reference/activation.hpp"
#include "ops/reference/linear.hpp"
#include "util/error.hpp"

namespace vkvae::test {
namespace {

using ops::Activation;
using ops::ActivationSpec;

struct Dims {
  int batch, in, out;
};

std::string dims_name(const char* what, Dims d) {
  return std::string(what) + " " + std::to_string(d.batch) + "x" + std::to_string(d.in) + "x" +
         std::to_string(d.out);
}

// Sums of `terms` products of values in [-1, 1] carry float rounding that grows like √terms.
double tolerance_for(int terms) { return 2e-6 * std::sqrt(static_cast<double>(terms)) + 1e-6; }

OpCase forward_case(Dims d, bool bias, ActivationSpec act, bool vectorized = true) {
  OpCase c;
  c.name = dims_name("forward", d) + (bias ? " bias " : " nobias ") + ops::activation_name(act) +
           (vectorized ? "" : " scalar");
  c.inputs = {{{d.batch, d.in}}, {{d.out, d.in}}, {{d.out}}};
  c.outputs = {{d.batch, d.out}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    if (vectorized) {
      ops::linear_forward(enc, out[0], in[0], in[1], bias ? &in[2] : nullptr, act);
      return;
    }
    ops::GemmArgs g;  // the same product through the scalar kernel
    g.M = d.batch, g.N = d.out, g.K = d.in;
    g.a = in[0], g.sam = d.in, g.sak = 1;
    g.b = in[1], g.sbk = 1, g.sbn = d.in;
    g.c = out[0], g.scm = d.out;
    g.bias = bias ? &in[2] : nullptr;
    g.act = act;
    g.allow_vectorized = false;
    ops::gemm(enc, g);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    return std::vector<Values>{ops::ref::linear_forward(in[0], in[1], bias ? in[2] : Values{}, d.batch,
                                                        d.in, d.out, act)};
  };
  c.atol = c.rtol = tolerance_for(d.in);
  return c;
}

OpCase backward_case(Dims d, bool accumulate) {
  OpCase c;
  c.name = dims_name("backward", d) + (accumulate ? " accumulate" : "");
  c.inputs = {{{d.batch, d.out}}, {{d.batch, d.in}}, {{d.out, d.in}}};  // dz, x, w
  c.outputs = {{d.batch, d.in}, {d.out, d.in}, {d.out}};                // dx, dw, db
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::linear_backward(enc, {&out[0], &out[1], &out[2], accumulate, accumulate}, in[0], in[1], in[2]);
  };
  const auto start = [](std::size_t output, std::size_t n) {
    return widen(random_floats(n, static_cast<uint32_t>(500 + output)));
  };
  if (accumulate) c.initial_output = start;
  c.cpu = [=](const std::vector<Values>& in) {
    auto g = ops::ref::linear_backward(in[0], in[1], in[2], d.batch, d.in, d.out);
    std::vector<Values> want = {g.dx, g.dw, g.db};
    if (accumulate) {
      for (std::size_t o = 0; o < want.size(); ++o) {
        const Values s = start(o, want[o].size());
        for (std::size_t i = 0; i < s.size(); ++i) want[o][i] += s[i];
      }
    }
    return want;
  };
  c.atol = c.rtol = tolerance_for(std::max(d.out, d.batch));
  return c;
}

// dx = (dz·w [+ start])·act'(y): the input gradient gated by the activation that made x.
OpCase gated_input_case(Dims d, ActivationSpec act, bool accumulate) {
  OpCase c;
  c.name = dims_name("gated input grad", d) + " " + ops::activation_name(act) + (accumulate ? " accumulate" : "");
  c.inputs = {{{d.batch, d.out}}, {{d.out, d.in}}, {{d.batch, d.in}}};  // dz, w, y
  c.outputs = {{d.batch, d.in}};
  const auto start = [](std::size_t, std::size_t n) { return widen(random_floats(n, 77)); };
  if (accumulate) c.initial_output = start;
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    const ops::ActivationGate gate{in[2], act};
    ops::linear_backward_input(enc, out[0], in[0], in[1], accumulate, &gate);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    Values dx = ops::ref::linear_backward(in[0], Values(std::size_t(d.batch) * d.in), in[1], d.batch, d.in, d.out).dx;
    const Values s = start(0, dx.size());
    for (std::size_t i = 0; i < dx.size(); ++i) {
      dx[i] = ((accumulate ? s[i] : 0.0) + dx[i]) * ops::ref::act_grad_from_output(act, in[2][i]);
    }
    return std::vector<Values>{dx};
  };
  c.atol = c.rtol = tolerance_for(d.out);
  return c;
}

// A·B and A's row sums in double precision: A (M,K), B (N,K) with `nt`, else (K,N).
std::pair<Values, Values> product_and_row_sums(const Values& a, const Values& b, int M, int N, int K, bool nt) {
  Values prod(std::size_t(M) * N, 0.0), sums(M, 0.0);
  for (int m = 0; m < M; ++m) {
    for (int k = 0; k < K; ++k) {
      const double v = a[std::size_t(m) * K + k];
      sums[m] += v;
      for (int n = 0; n < N; ++n) prod[std::size_t(m) * N + n] += v * b[nt ? std::size_t(n) * K + k : std::size_t(k) * N + n];
    }
  }
  return {prod, sums};
}

// C = A·B and row_sums = Σ_k A(m,k), (+ start) through each GEMM kernel: A (M,K) and B given
// as (N,K) for the vec4-along-K kernel, as (K,N) otherwise.
OpCase row_sums_case(ops::GemmKernel kernel, int M, int N, int K, bool accumulate) {
  const bool nt = kernel == ops::GemmKernel::vec4_k;
  OpCase c;
  const char* kernel_name = nt ? "vec4_k" : kernel == ops::GemmKernel::vec4_n ? "vec4_n" : kernel == ops::GemmKernel::tiled ? "tiled" : "scalar";
  c.name = std::string("gemm row sums ") + kernel_name +
           " " + std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K) + (accumulate ? " accumulate" : "");
  c.inputs = {{{M, K}}, {nt ? ops::Shape{N, K} : ops::Shape{K, N}}};
  c.outputs = {{M, N}, {M}};
  const auto start = [](std::size_t o, std::size_t n) { return widen(random_floats(n, 90 + static_cast<uint32_t>(o))); };
  if (accumulate) c.initial_output = start;
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::GemmArgs g;
    g.M = M, g.N = N, g.K = K;
    g.a = in[0], g.sam = K, g.sak = 1;
    g.b = in[1];
    if (nt) g.sbk = 1, g.sbn = K;
    else g.sbk = N, g.sbn = 1;
    g.c = out[0], g.scm = N;
    g.accumulate = accumulate;
    g.row_sums = &out[1];
    g.allow_vectorized = kernel != ops::GemmKernel::scalar;
    // The tiled kernel is the GPU profile's: under the CPU profile its rows test the others.
    const ops::GemmKernel chosen = ops::choose_gemm_kernel(g, enc.profile());
    if (kernel == ops::GemmKernel::tiled ? enc.profile().tiled_gemm && chosen != kernel : chosen != kernel) {
      throw Error("row_sums_case: the shape does not reach the kernel");
    }
    ops::gemm(enc, g);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    const auto [prod, sums] = product_and_row_sums(in[0], in[1], M, N, K, nt);
    std::vector<Values> want = {prod, sums};
    if (accumulate) {
      for (std::size_t o = 0; o < 2; ++o) {
        const Values s0 = start(o, want[o].size());
        for (std::size_t i = 0; i < s0.size(); ++i) want[o][i] += s0[i];
      }
    }
    return want;
  };
  c.atol = c.rtol = tolerance_for(K);
  return c;
}

// The tiled GEMM split along K (ops::split_k_slices: few blocks, a long K) through its
// workspace, then summed in order with the epilogue — `bias` with `act`, a `gated` product, or
// row sums — (+ start with `accumulate`). Under the CPU profile the same products run unsplit.
OpCase split_k_case(int M, int N, int K, bool bias, bool gated, bool accumulate, ActivationSpec act = {}) {
  OpCase c;
  c.name = "gemm split-K " + std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K) + (bias ? " bias" : "") +
           (gated ? " gated" : "") + (accumulate ? " accumulate" : "") + (bias || gated ? " " + ops::activation_name(act) : " row sums");
  const bool row_sums = !bias && !gated;
  c.inputs = {{{M, K}}, {{K, N}}};
  if (bias) c.inputs.push_back({{N}});
  if (gated) c.inputs.push_back({{M, N}, 0.05, 0.95});  // y of the activation, where its derivative is defined
  const ops::KernelProfile gpu_profile;  // what split_k_slices decides for a GPU
  const auto workspace = std::max<int64_t>(1, static_cast<int64_t>(ops::gemm_workspace_elements(M, N, K, gpu_profile)));
  c.outputs = {{M, N}, {M}, {workspace}};  // C, row sums, scratch
  const auto start = [](std::size_t o, std::size_t n) { return o < 2 ? widen(random_floats(n, 70 + static_cast<uint32_t>(o))) : Values(n, 0.0); };
  if (accumulate) c.initial_output = start;
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::GemmArgs g;
    g.M = M, g.N = N, g.K = K;
    g.a = in[0], g.sam = K, g.sak = 1;
    g.b = in[1], g.sbk = N, g.sbn = 1;
    g.c = out[0], g.scm = N;
    g.accumulate = accumulate;
    g.act = act;
    if (bias) g.bias = &in[2];
    if (gated) g.gate = &in[2];
    if (row_sums) g.row_sums = &out[1];
    g.workspace = &out[2];
    if (enc.profile().tiled_gemm && ops::split_k_slices(M, N, K, enc.profile()) < 2) throw Error("split_k_case: the shape is not split");
    ops::gemm(enc, g);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    auto [prod, sums] = product_and_row_sums(in[0], in[1], M, N, K, false);
    const Values c0 = accumulate ? start(0, prod.size()) : Values(prod.size(), 0.0);
    const Values r0 = accumulate ? start(1, sums.size()) : Values(sums.size(), 0.0);
    for (std::size_t i = 0; i < prod.size(); ++i) {
      if (gated) prod[i] = (c0[i] + prod[i]) * ops::ref::act_grad_from_output(act, in[2][i]);
      else prod[i] = c0[i] + ops::ref::act_forward(act, prod[i] + (bias ? in[2][i % std::size_t(N)] : 0.0));
    }
    for (std::size_t m = 0; m < sums.size(); ++m) sums[m] = row_sums ? r0[m] + sums[m] : r0[m];
    return std::vector<Values>{prod, sums, {}};
  };
  c.atol = c.rtol = tolerance_for(K);
  return c;
}

// Linear's forward and gated input gradient through their workspaces, split along the long sum
// (in for the forward, out for the input gradient) where the GPU profile splits them; under the
// CPU profile the same products run unsplit.
OpCase split_linear_case(Dims d, bool input_grad) {
  OpCase c;
  const ActivationSpec relu{Activation::relu};
  const ops::KernelProfile gpu_profile;  // what split_k_slices decides for a GPU
  c.name = dims_name(input_grad ? "split gated input grad" : "split forward", d) + " relu";
  const ops::Shape x{d.batch, d.in}, w{d.out, d.in}, dz{d.batch, d.out};
  const uint64_t elements = input_grad ? ops::linear_input_workspace_elements(dz, w, gpu_profile)
                                       : ops::linear_forward_workspace_elements(x, w, gpu_profile);
  if (input_grad) c.inputs = {{dz}, {w}, {x, 0.05, 0.95}};  // dz, w, y of the previous layer's ReLU
  else c.inputs = {{x}, {w}, {{d.out}}};
  c.outputs = {{input_grad ? x : dz}, {std::max<int64_t>(1, static_cast<int64_t>(elements))}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    const uint32_t M = d.batch, N = input_grad ? d.in : d.out, K = input_grad ? d.out : d.in;
    if (enc.profile().tiled_gemm && ops::split_k_slices(M, N, K, enc.profile()) < 2) throw Error("split_linear_case: not split");
    if (input_grad) {
      const ops::ActivationGate gate{in[2], relu};
      ops::linear_backward_input(enc, out[0], in[0], in[1], false, &gate, &out[1]);
    } else {
      ops::linear_forward(enc, out[0], in[0], in[1], &in[2], relu, &out[1]);
    }
  };
  c.cpu = [=](const std::vector<Values>& in) {
    if (!input_grad) {
      return std::vector<Values>{ops::ref::linear_forward(in[0], in[1], in[2], d.batch, d.in, d.out, relu), {}};
    }
    Values dx = ops::ref::linear_backward(in[0], Values(std::size_t(d.batch) * d.in), in[1], d.batch, d.in, d.out).dx;
    for (std::size_t i = 0; i < dx.size(); ++i) dx[i] *= ops::ref::act_grad_from_output(relu, in[2][i]);
    return std::vector<Values>{dx, {}};
  };
  c.atol = c.rtol = tolerance_for(input_grad ? d.out : d.in);
  return c;
}

// y (+)= Σ over A and C of x (A,B,C), and a second such sum in the same dispatch, against the
// reference: shapes that reach the narrow job (one invocation an output), the wide one (a
// workgroup an output, A·C ≥ 4096) with vec4 loads (C % 4 == 0) and without, and both at once.
struct SumDims {
  int A, B, C;
};

OpCase outer_inner_sum_case(SumDims first, std::optional<SumDims> second, bool accumulate) {
  const auto dims = [](SumDims d) { return std::to_string(d.A) + "x" + std::to_string(d.B) + "x" + std::to_string(d.C); };
  OpCase c;
  c.name = "sum outer inner " + dims(first) + (second ? " and " + dims(*second) : "") + (accumulate ? " accumulate" : "");
  c.inputs = {{{first.A, first.B, first.C}}};
  c.outputs = {{first.B}};
  if (second) {
    c.inputs.push_back({{second->A, second->B, second->C}});
    c.outputs.push_back({second->B});
  }
  const auto start = [](std::size_t o, std::size_t n) { return widen(random_floats(n, 70 + static_cast<uint32_t>(o))); };
  if (accumulate) c.initial_output = start;
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    const ops::OuterInnerSum one{out[0], in[0], uint32_t(first.A), uint32_t(first.B), uint32_t(first.C)};
    if (!second) {
      ops::sum_outer_inner(enc, one, nullptr, accumulate);
      return;
    }
    const ops::OuterInnerSum two{out[1], in[1], uint32_t(second->A), uint32_t(second->B), uint32_t(second->C)};
    ops::sum_outer_inner(enc, one, &two, accumulate);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    std::vector<Values> want = {ops::ref::sum_outer_inner(in[0], first.A, first.B, first.C)};
    if (second) want.push_back(ops::ref::sum_outer_inner(in[1], second->A, second->B, second->C));
    for (std::size_t o = 0; accumulate && o < want.size(); ++o) {
      const Values s0 = start(o, want[o].size());
      for (std::size_t i = 0; i < s0.size(); ++i) want[o][i] += s0[i];
    }
    return want;
  };
  const int terms = std::max(first.A * first.C, second ? second->A * second->C : 0);
  c.atol = c.rtol = tolerance_for(terms);
  return c;
}

std::vector<OpCase> linear_cases() {
  const ActivationSpec none{}, relu{Activation::relu}, sigmoid{Activation::sigmoid};
  std::vector<OpCase> cases;
  // K % 4 == 0 → vec4 along K; otherwise scalar. Batch 1, 3, 67 and odd widths everywhere.
  for (Dims d : {Dims{1, 1, 1}, Dims{3, 5, 7}, Dims{67, 13, 9}, Dims{3, 16, 12}, Dims{1, 20, 400},
                 Dims{67, 794, 400}, Dims{3, 30, 400}, Dims{128, 784, 400}, Dims{3, 3136, 256}}) {
    cases.push_back(forward_case(d, true, relu));
  }
  for (ActivationSpec act : {none, sigmoid, ActivationSpec{Activation::leaky_relu, 0.2f},
                             ActivationSpec{Activation::tanh}, ActivationSpec{Activation::softplus},
                             ActivationSpec{Activation::elu, 1.0f}}) {
    cases.push_back(forward_case({67, 24, 33}, true, act));
  }
  cases.push_back(forward_case({67, 24, 33}, false, none));
  cases.push_back(forward_case({67, 24, 33}, true, relu, /*vectorized=*/false));
  cases.push_back(forward_case({128, 784, 400}, true, relu, /*vectorized=*/false));
  // dx uses vec4 along N when in % 4 == 0, dw likewise; 794 and 30 take the scalar kernel.
  for (Dims d : {Dims{1, 1, 1}, Dims{3, 5, 7}, Dims{67, 13, 9}, Dims{3, 16, 12}, Dims{67, 794, 400},
                 Dims{128, 784, 400}, Dims{3, 20, 30}}) {
    cases.push_back(backward_case(d, false));
  }
  cases.push_back(backward_case({67, 16, 9}, true));
  cases.push_back(backward_case({3, 5, 7}, true));
  // Gated input gradients: vec4 along N (in % 4 == 0) and scalar, every activation, accumulating.
  for (ActivationSpec act : {relu, sigmoid, ActivationSpec{Activation::leaky_relu, 0.2f}, ActivationSpec{Activation::tanh},
                             ActivationSpec{Activation::softplus}, ActivationSpec{Activation::elu, 1.0f}}) {
    cases.push_back(gated_input_case({67, 24, 13}, act, false));
  }
  cases.push_back(gated_input_case({3, 13, 9}, relu, false));
  cases.push_back(gated_input_case({67, 24, 13}, relu, true));
  cases.push_back(gated_input_case({3, 13, 9}, sigmoid, true));
  for (bool accumulate : {false, true}) {
    cases.push_back(row_sums_case(ops::GemmKernel::scalar, 13, 9, 67, accumulate));
    cases.push_back(row_sums_case(ops::GemmKernel::vec4_n, 13, 24, 67, accumulate));
    cases.push_back(row_sums_case(ops::GemmKernel::vec4_k, 13, 9, 68, accumulate));
    // Blocks cut on every side: rows, columns and the last slab of k all partial.
    cases.push_back(row_sums_case(ops::GemmKernel::tiled, 67, 45, 37, accumulate));
  }
  // Split along K: 8 slices of 256 (a weight gradient over a batch of 2048) and 3 uneven ones.
  cases.push_back(split_k_case(40, 72, 2048, false, false, false));
  cases.push_back(split_k_case(33, 37, 1000, false, false, true));
  cases.push_back(split_k_case(40, 72, 1000, true, false, false, relu));
  cases.push_back(split_k_case(40, 72, 1000, false, true, true, sigmoid));
  // Linear's own products split along a long sum: 3 slices of 1000 over 2 blocks.
  cases.push_back(split_linear_case({40, 1000, 72}, false));
  cases.push_back(split_linear_case({40, 72, 1000}, true));
  cases.push_back(outer_inner_sum_case({3, 5, 2}, std::nullopt, false));        // narrow
  cases.push_back(outer_inner_sum_case({67, 3, 196}, std::nullopt, false));     // wide, vec4
  cases.push_back(outer_inner_sum_case({67, 2, 63}, std::nullopt, true));       // wide, scalar
  cases.push_back(outer_inner_sum_case({1, 2, 5001}, std::nullopt, false));     // wide, one row a lane
  cases.push_back(outer_inner_sum_case({49, 67, 1}, SumDims{130, 1, 784}, true));  // a split weight gradient and its bias
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Linear, OpTable, ::testing::ValuesIn(linear_cases()),
                         CaseName());

GradCase linear_grad_case(Dims d, ActivationSpec act) {
  GradCase c;
  c.name = dims_name("linear", d) + " " + ops::activation_name(act);
  c.inputs = {{{d.batch, d.in}}, {{d.out, d.in}}, {{d.out}}};
  c.forward = [=](const std::vector<Values>& in) {
    return ops::ref::linear_forward(in[0], in[1], in[2], d.batch, d.in, d.out, act);
  };
  c.backward = [=](const std::vector<Values>& in, const Values& dout) {
    const Values y = ops::ref::linear_forward(in[0], in[1], in[2], d.batch, d.in, d.out, act);
    Values dz(dout.size());
    for (std::size_t i = 0; i < dz.size(); ++i) dz[i] = dout[i] * ops::ref::act_grad_from_output(act, y[i]);
    auto g = ops::ref::linear_backward(dz, in[0], in[1], d.batch, d.in, d.out);
    return std::vector<Values>{g.dx, g.dw, g.db};
  };
  return c;
}

std::vector<GradCase> linear_grad_cases() {
  std::vector<GradCase> cases;
  for (ActivationSpec act : {ActivationSpec{}, ActivationSpec{Activation::relu},
                             ActivationSpec{Activation::leaky_relu, 0.1f}, ActivationSpec{Activation::sigmoid},
                             ActivationSpec{Activation::tanh}, ActivationSpec{Activation::softplus},
                             ActivationSpec{Activation::elu, 0.7f}}) {
    cases.push_back(linear_grad_case({3, 5, 4}, act));
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Linear, GradTable, ::testing::ValuesIn(linear_grad_cases()),
                         CaseName());

// The tiled GEMM reads an operand in vec4s only where every quad lies along its contiguous
// dimension within one row and the binding is on 16 bytes (the op tables above reach both ways
// for each operand: Linear's 784-wide layers in quads, its 794-wide ones not).
TEST(TiledQuads, OnlyWhereWholeAlignedQuadsRunAlongTheContiguousDimension) {
  const auto layout = [](uint32_t M, uint32_t N, uint32_t K, uint32_t sam, uint32_t sak, uint32_t sbk, uint32_t sbn) {
    ops::GemmArgs g;
    g.M = M, g.N = N, g.K = K, g.sam = sam, g.sak = sak, g.sbk = sbk, g.sbn = sbn;
    return g;
  };
  const auto quads = [](const ops::GemmArgs& g) {
    const ops::TiledQuads q = ops::tiled_quads(g);
    return std::pair{q.a, q.b};
  };
  // Linear's forward x·wᵀ: both along k.
  EXPECT_EQ(quads(layout(128, 400, 784, 784, 1, 1, 784)), std::pair(true, true));
  EXPECT_EQ(quads(layout(128, 400, 794, 794, 1, 1, 794)), std::pair(false, false));
  // Its weight gradient dzᵀ·x: A along m (the 400 outputs), B along n (the inputs).
  EXPECT_EQ(quads(layout(400, 784, 128, 1, 400, 784, 1)), std::pair(true, true));
  EXPECT_EQ(quads(layout(30, 45, 128, 1, 30, 45, 1)), std::pair(false, false));
  // Rows padded to a stride that is not a multiple of 4 break the quads even where K is one.
  EXPECT_EQ(quads(layout(64, 64, 36, 38, 1, 66, 1)), std::pair(false, false));
  // Neither dimension contiguous: gathered.
  EXPECT_EQ(quads(layout(64, 64, 64, 128, 2, 128, 2)), std::pair(false, false));
  // A binding 4 bytes past 16 (a device whose minStorageBufferOffsetAlignment is 4).
  ops::GemmArgs shifted = layout(128, 400, 784, 784, 1, 1, 784);
  shifted.a.offset = 4;
  EXPECT_EQ(quads(shifted), std::pair(false, true));
}

class GatedLinear : public VulkanTest {};

TEST_F(GatedLinear, GivesTheBitsOfAProductFollowedByTheActivationGradient) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  for (const Dims d : {Dims{67, 24, 13}, Dims{3, 13, 9}}) {  // vec4 along N, scalar
    const ops::Tensor dz = store.upload({d.batch, d.out}, random_floats(std::size_t(d.batch) * d.out, 3));
    const ops::Tensor w = store.upload({d.out, d.in}, random_floats(std::size_t(d.out) * d.in, 4));
    const ops::Tensor y = store.upload({d.batch, d.in}, random_floats(std::size_t(d.batch) * d.in, 5, 0.0, 1.0));
    const ops::Tensor dy = store.make({d.batch, d.in}), two_pass = store.make({d.batch, d.in}), gated = store.make({d.batch, d.in});
    const ops::ActivationGate gate{y, {Activation::sigmoid}};
    run_recorded(context(), kernels, [&](ops::Encoder& enc) {
      ops::linear_backward_input(enc, dy, dz, w);
      ops::linear_backward_input(enc, gated, dz, w, false, &gate);
      enc.barrier();
      ops::activation_backward(enc, two_pass, dy, y, gate.act);
    });
    EXPECT_EQ(store.download(gated), store.download(two_pass)) << dims_name("gated", d);
  }
}

class LinearErrors : public VulkanTest {};

TEST_F(LinearErrors, ShapeMismatchesAreClearErrorsBeforeTheGpu) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  vk::CommandBuffer commands = context().commands();
  commands.begin();
  ops::Encoder enc(kernels, commands);
  const ops::Tensor x = store.make({3, 5}), w = store.make({7, 5}), y = store.make({3, 7});
  const ops::Tensor w_bad = store.make({7, 6}), y_bad = store.make({3, 8}), b_bad = store.make({6});
  const auto message = [&](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const vkvae::Error& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_EQ(message([&] { ops::linear_forward(enc, y, x, w_bad, nullptr); }),
            "linear_forward: x (3, 5) has 5 features but weight (7, 6) takes 6");
  EXPECT_EQ(message([&] { ops::linear_forward(enc, y_bad, x, w, nullptr); }),
            "linear_forward: y has shape (3, 8), expected (3, 7)");
  EXPECT_EQ(message([&] { ops::linear_forward(enc, y, x, w, &b_bad); }),
            "linear_forward: bias has shape (6), expected (7)");
  EXPECT_NE(message([&] { ops::linear_forward(enc, y, x, w, nullptr, {Activation::elu, 0.0f}); })
                .find("must be > 0"),
            std::string::npos);
  const ops::Tensor empty = store.make({0, 5});
  EXPECT_NE(message([&] { ops::linear_forward(enc, y, empty, w, nullptr); }).find("at least 1"),
            std::string::npos);
  commands.end();
  EXPECT_EQ(commands.dispatches(), 0u);
}

}  // namespace
}  // namespace vkvae::test
