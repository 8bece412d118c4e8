// Conv2d and ConvTranspose2d, forward and all gradients, against the double-precision
// reference: every kernel size, stride and padding the seed models need and more, odd channel
// counts, batch 1, 3 and 67, and the split reduction of the weight gradient.
#include <cmath>

#include "ops/activation.hpp"
#include "ops/conv.hpp"
#include "ops/op_harness.hpp"
#include "ops/reference/activation.hpp"
#include "ops/reference/conv.hpp"
#include "util/error.hpp"

namespace vkvae::test {
namespace {

using ops::ref::Conv2dDims;

struct ConvShape {
  int N, C, H, W, K, R, stride, pad, output_padding = 0;
};

Conv2dDims dims_of(const ConvShape& s, bool transposed) {
  Conv2dDims d{s.N, s.C, s.H, s.W, s.K, s.R, s.R, s.stride, s.pad, s.output_padding};
  d.transposed = transposed;
  return d;
}

std::string shape_name(const char* what, const ConvShape& s) {
  return std::string(what) + " N" + std::to_string(s.N) + " C" + std::to_string(s.C) + " " + std::to_string(s.H) +
         "x" + std::to_string(s.W) + " K" + std::to_string(s.K) + " k" + std::to_string(s.R) + " s" +
         std::to_string(s.stride) + " p" + std::to_string(s.pad) + (s.output_padding ? " op" + std::to_string(s.output_padding) : "");
}

double tolerance_for(double terms) { return 3e-6 * std::sqrt(terms) + 1e-6; }

ops::Shape weight_shape(const ConvShape& s, bool transposed) {
  return transposed ? ops::Shape{s.C, s.K, s.R, s.R} : ops::Shape{s.K, s.C, s.R, s.R};
}

OpCase forward_case(const ConvShape& s, bool transposed, ops::ActivationSpec act = {}) {
  const Conv2dDims d = dims_of(s, transposed);
  const ops::ConvParams params{static_cast<uint32_t>(s.stride), static_cast<uint32_t>(s.pad), static_cast<uint32_t>(s.output_padding)};
  OpCase c;
  c.name = shape_name(transposed ? "convT forward" : "conv forward", s) + " " + ops::activation_name(act);
  c.inputs = {{{s.N, s.C, s.H, s.W}}, {weight_shape(s, transposed)}, {{s.K}}};
  c.outputs = {{s.N, s.K, d.out_h(), d.out_w()}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    if (transposed) {
      ops::conv_transpose2d_forward(enc, out[0], in[0], in[1], &in[2], params, act);
    } else {
      ops::conv2d_forward(enc, out[0], in[0], in[1], &in[2], params, act);
    }
  };
  c.cpu = [=](const std::vector<Values>& in) {
    Values y = transposed ? ops::ref::conv_transpose2d(in[0], in[1], in[2], d) : ops::ref::conv2d(in[0], in[1], in[2], d);
    for (double& v : y) v = ops::ref::act_forward(act, v);
    return std::vector<Values>{y};
  };
  c.atol = c.rtol = tolerance_for(s.C * s.R * s.R);
  return c;
}

OpCase backward_case(const ConvShape& s, bool transposed, bool accumulate = false) {
  const Conv2dDims d = dims_of(s, transposed);
  const ops::ConvParams params{static_cast<uint32_t>(s.stride), static_cast<uint32_t>(s.pad), static_cast<uint32_t>(s.output_padding)};
  const ops::Shape x_shape{s.N, s.C, s.H, s.W}, w_shape = weight_shape(s, transposed);
  const ops::Shape y_shape{s.N, s.K, d.out_h(), d.out_w()};
  const ops::ConvGeometry g = transposed ? ops::conv_transpose2d_geometry("test", x_shape, w_shape, params)
                                         : ops::conv2d_geometry("test", x_shape, w_shape, params);
  const int64_t workspace = std::max<int64_t>(1, static_cast<int64_t>(ops::conv_workspace_elements(g)));
  OpCase c;
  c.name = shape_name(transposed ? "convT backward" : "conv backward", s) + (accumulate ? " accumulate" : "");
  c.inputs = {{y_shape}, {x_shape}, {w_shape}};          // dz, x, w
  c.outputs = {x_shape, w_shape, {s.K}, {workspace}};    // dx, dw, db, scratch
  const auto start = [](std::size_t o, std::size_t n) { return o < 3 ? widen(random_floats(n, 40 + static_cast<uint32_t>(o))) : Values(n, 0.0); };
  if (accumulate) c.initial_output = start;
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    const ops::LayerGrads grads{&out[0], &out[1], &out[2], accumulate, accumulate};
    if (transposed) {
      ops::conv_transpose2d_backward(enc, grads, in[0], in[1], in[2], params, &out[3]);
    } else {
      ops::conv2d_backward(enc, grads, in[0], in[1], in[2], params, &out[3]);
    }
  };
  c.cpu = [=](const std::vector<Values>& in) {
    auto gr = transposed ? ops::ref::conv_transpose2d_backward(in[0], in[1], in[2], d)
                         : ops::ref::conv2d_backward(in[0], in[1], in[2], d);
    std::vector<Values> want = {gr.dx, gr.dw, gr.db, {}};
    if (accumulate) {
      for (std::size_t o = 0; o < 3; ++o) {
        const Values s0 = start(o, want[o].size());
        for (std::size_t i = 0; i < s0.size(); ++i) want[o][i] += s0[i];
      }
    }
    return want;
  };
  const double positions = static_cast<double>(s.N) * (transposed ? s.H * s.W : d.out_h() * d.out_w());
  c.atol = c.rtol = tolerance_for(std::max(positions, static_cast<double>(s.K * s.R * s.R)));
  return c;
}

// The data gradient gated by the activation that made x: dx = (conv backward [+ start])·act'(y).
OpCase gated_input_case(const ConvShape& s, bool transposed, ops::ActivationSpec act, bool accumulate) {
  const Conv2dDims d = dims_of(s, transposed);
  const ops::ConvParams params{static_cast<uint32_t>(s.stride), static_cast<uint32_t>(s.pad), static_cast<uint32_t>(s.output_padding)};
  const ops::Shape x_shape{s.N, s.C, s.H, s.W}, w_shape = weight_shape(s, transposed);
  const ops::Shape y_shape{s.N, s.K, d.out_h(), d.out_w()};
  OpCase c;
  c.name = shape_name(transposed ? "convT gated input grad" : "conv gated input grad", s) + " " +
           ops::activation_name(act) + (accumulate ? " accumulate" : "");
  c.inputs = {{y_shape}, {w_shape}, {x_shape}};  // dz, w, the gate (x's layout)
  c.outputs = {x_shape};
  const auto start = [](std::size_t, std::size_t n) { return widen(random_floats(n, 61)); };
  if (accumulate) c.initial_output = start;
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    const ops::ActivationGate gate{in[2], act};
    if (transposed) ops::conv_transpose2d_backward_input(enc, out[0], in[0], in[1], params, accumulate, &gate);
    else ops::conv2d_backward_input(enc, out[0], in[0], in[1], params, accumulate, &gate);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    const Values x(static_cast<std::size_t>(x_shape.numel()), 0.0);
    Values dx = (transposed ? ops::ref::conv_transpose2d_backward(in[0], x, in[1], d)
                            : ops::ref::conv2d_backward(in[0], x, in[1], d)).dx;
    const Values s0 = start(0, dx.size());
    for (std::size_t i = 0; i < dx.size(); ++i) {
      dx[i] = ((accumulate ? s0[i] : 0.0) + dx[i]) * ops::ref::act_grad_from_output(act, in[2][i]);
    }
    return std::vector<Values>{dx};
  };
  c.atol = c.rtol = tolerance_for(s.K * s.R * s.R);
  return c;
}

std::vector<OpCase> conv_cases() {
  std::vector<OpCase> cases;
  const ConvShape shapes[] = {
      {1, 1, 1, 1, 1, 1, 1, 0},     {3, 3, 7, 5, 5, 3, 1, 1},   {3, 2, 9, 8, 3, 3, 2, 1},
      {1, 3, 11, 10, 4, 4, 2, 1},   {3, 5, 9, 9, 7, 5, 1, 2},   {3, 3, 8, 7, 6, 5, 2, 2},
      {67, 1, 6, 6, 3, 3, 2, 0},    {3, 7, 5, 6, 9, 1, 2, 0},
      {3, 1, 28, 28, 32, 3, 2, 1},  {3, 32, 14, 14, 64, 3, 2, 1},  // the seed encoder
  };
  for (const ConvShape& s : shapes) cases.push_back(forward_case(s, false, {ops::Activation::relu}));
  for (const ConvShape& s : shapes) cases.push_back(backward_case(s, false));
  cases.push_back(forward_case({3, 3, 7, 5, 5, 3, 1, 1}, false, {ops::Activation::elu, 1.0f}));
  cases.push_back(backward_case({67, 1, 28, 28, 8, 3, 2, 1}, false));  // split weight gradient
  cases.push_back(backward_case({3, 2, 9, 8, 3, 3, 2, 1}, false, true));

  const ConvShape transposed[] = {
      {1, 1, 1, 1, 1, 1, 1, 0},        {3, 3, 5, 4, 5, 3, 1, 1},     {3, 2, 4, 5, 3, 3, 2, 1, 1},
      {1, 3, 5, 5, 4, 4, 2, 1},        {3, 5, 4, 3, 7, 5, 2, 2, 1},  {3, 4, 3, 3, 2, 1, 2, 0, 1},
      {3, 64, 7, 7, 32, 3, 2, 1, 1},   {3, 32, 14, 14, 1, 3, 2, 1, 1},  // the seed decoder
  };
  for (const ConvShape& s : transposed) cases.push_back(forward_case(s, true, {ops::Activation::relu}));
  for (const ConvShape& s : transposed) cases.push_back(backward_case(s, true));
  cases.push_back(forward_case({3, 32, 14, 14, 1, 3, 2, 1, 1}, true));  // logits: no activation
  cases.push_back(backward_case({67, 8, 14, 14, 1, 3, 2, 1, 1}, true));  // split weight gradient
  cases.push_back(backward_case({3, 2, 4, 5, 3, 3, 2, 1, 1}, true, true));
  // Input gradients gated by the previous layer's activation, as the graph fuses them.
  const ops::ActivationSpec relu{ops::Activation::relu}, tanh_{ops::Activation::tanh};
  for (bool accumulate : {false, true}) {
    cases.push_back(gated_input_case({3, 2, 9, 8, 3, 3, 2, 1}, false, accumulate ? tanh_ : relu, accumulate));
    cases.push_back(gated_input_case({3, 2, 4, 5, 3, 3, 2, 1, 1}, true, accumulate ? tanh_ : relu, accumulate));
  }
  cases.push_back(gated_input_case({3, 32, 14, 14, 64, 3, 2, 1}, false, relu, false));     // the seed encoder
  cases.push_back(gated_input_case({3, 32, 14, 14, 1, 3, 2, 1, 1}, true, relu, false));   // the seed decoder
  // The GPU profile's implicit GEMMs (conv_forward_tiled, K ≥ 32 and C·R·S ≥ 16) on blocks they only
  // partly fills: 40 and 33 channels, 495 and 50 positions, 4×4 taps with padding 2, and a
  // transposed layer's input gradient gated and accumulated.
  cases.push_back(forward_case({5, 3, 11, 9, 40, 3, 1, 1}, false, {ops::Activation::relu}));
  cases.push_back(forward_case({2, 17, 9, 10, 33, 4, 2, 2}, false, {ops::Activation::leaky_relu, 0.2f}));
  cases.push_back(gated_input_case({3, 33, 5, 6, 20, 3, 2, 1, 1}, true, tanh_, true));
  // Its weight gradient (conv_backward_weight_tiled, K ≥ 32 and C·R·S ≥ 32): one split,
  // accumulating; and 4 splits of 512 positions added up with the bias gradient.
  cases.push_back(backward_case({2, 17, 9, 10, 33, 4, 2, 2}, false, true));
  cases.push_back(backward_case({8, 9, 16, 16, 40, 3, 1, 1}, false));
  // ConvTranspose2d's forward and Conv2d's input gradient (conv_backward_data_tiled, C ≥ 32 and
  // K ≥ 16): 4×4 taps over stride 2's phases; 2×2 taps over stride 3's, where one phase of
  // each axis has no tap and gets the bias alone; gated and accumulated.
  cases.push_back(forward_case({2, 20, 5, 6, 33, 4, 2, 1, 1}, true, {ops::Activation::relu}));
  cases.push_back(forward_case({2, 17, 4, 4, 40, 2, 3, 0, 1}, true, {ops::Activation::tanh}));
  cases.push_back(gated_input_case({3, 33, 9, 8, 20, 3, 2, 1}, false, tanh_, true));
  // The narrower block shapes. 128 positions × 32 channels, slabs of 8 (fewer than 16 taps or
  // 32 channels): 12 taps over two slabs, 20 channels and 400 positions in partial blocks; a
  // Conv2d's input gradient of 24 channels. 32 channels × 16 taps, slabs of 32 positions (a
  // weight gradient of fewer than 32 taps or channels): one split of 400 positions, 12 taps of
  // 20 channels; six splits of a one-channel layer's 9 taps, 3200 positions; the seed encoder's
  // first layer above takes both.
  cases.push_back(forward_case({5, 3, 9, 11, 20, 2, 1, 0}, false, {ops::Activation::relu}));
  cases.push_back(backward_case({5, 3, 9, 11, 20, 2, 1, 0}, false, true));
  cases.push_back(backward_case({8, 1, 20, 20, 24, 3, 1, 1}, false));
  cases.push_back(gated_input_case({3, 24, 9, 8, 20, 3, 2, 1}, false, relu, false));
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Conv, OpTable, ::testing::ValuesIn(conv_cases()), CaseName());

GradCase conv_grad_case(const ConvShape& s, bool transposed) {
  const Conv2dDims d = dims_of(s, transposed);
  GradCase c;
  c.name = shape_name(transposed ? "convT" : "conv", s);
  c.inputs = {{{s.N, s.C, s.H, s.W}}, {weight_shape(s, transposed)}, {{s.K}}};
  c.forward = [=](const std::vector<Values>& in) {
    return transposed ? ops::ref::conv_transpose2d(in[0], in[1], in[2], d) : ops::ref::conv2d(in[0], in[1], in[2], d);
  };
  c.backward = [=](const std::vector<Values>& in, const Values& dout) {
    auto g = transposed ? ops::ref::conv_transpose2d_backward(dout, in[0], in[1], d)
                        : ops::ref::conv2d_backward(dout, in[0], in[1], d);
    return std::vector<Values>{g.dx, g.dw, g.db};
  };
  return c;
}

std::vector<GradCase> conv_grad_cases() {
  return {conv_grad_case({2, 2, 5, 4, 3, 3, 2, 1}, false), conv_grad_case({1, 3, 6, 6, 2, 4, 2, 1}, false),
          conv_grad_case({2, 2, 3, 4, 3, 3, 2, 1, 1}, true), conv_grad_case({1, 2, 3, 3, 2, 5, 1, 2}, true)};
}

INSTANTIATE_TEST_SUITE_P(Conv, GradTable, ::testing::ValuesIn(conv_grad_cases()), CaseName());

TEST(ConvGeometry, BadShapesAndParametersAreClearErrors) {
  const auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const vkvae::Error& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_EQ(message([] { ops::conv2d_geometry("conv2d", {3, 2, 8, 8}, {4, 3, 3, 3}, {}); }),
            "conv2d: x (3, 2, 8, 8) has 2 channels but weight (4, 3, 3, 3) takes 3");
  EXPECT_NE(message([] { ops::conv2d_geometry("conv2d", {3, 2, 2, 2}, {4, 2, 5, 5}, {}); }).find("does not fit"), std::string::npos);
  EXPECT_NE(message([] { ops::conv2d_geometry("conv2d", {3, 2, 8, 8}, {4, 2, 3, 3}, {0, 0, 0}); }).find("stride"), std::string::npos);
  EXPECT_NE(message([] { ops::conv_transpose2d_geometry("convT", {3, 2, 4, 4}, {2, 1, 3, 3}, {2, 1, 2}); }).find("output_padding 2"),
            std::string::npos);
  EXPECT_NE(message([] { ops::conv2d_geometry("conv2d", {3, 2, 0, 8}, {4, 2, 3, 3}, {}); }).find("at least 1"), std::string::npos);
  // The seed decoder's sizes: 7 → 14 → 28.
  EXPECT_EQ(ops::conv_transpose2d_output_shape({5, 64, 7, 7}, {64, 32, 3, 3}, {2, 1, 1}), (ops::Shape{5, 32, 14, 14}));
  EXPECT_EQ(ops::conv2d_output_shape({5, 1, 28, 28}, {32, 1, 3, 3}, {2, 1, 0}), (ops::Shape{5, 32, 14, 14}));
}

}  // namespace
}  // namespace vkvae::test
