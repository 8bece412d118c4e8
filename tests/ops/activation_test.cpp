// Every activation, forward and backward (from the output), against the reference.
#include "ops/activation.hpp"
#include "ops/op_harness.hpp"
#include "ops/reference/activation.hpp"

namespace vkvae::test {
namespace {

using ops::Activation;
using ops::ActivationSpec;

const ActivationSpec kAll[] = {{Activation::none},     {Activation::relu},
                               {Activation::leaky_relu, 0.2f}, {Activation::sigmoid},
                               {Activation::tanh},     {Activation::softplus},
                               {Activation::elu, 1.0f}, {Activation::elu, 0.5f}};

OpCase activation_case(ActivationSpec act, int n, bool accumulate) {
  OpCase c;
  c.name = ops::activation_name(act) + " n" + std::to_string(n) + (accumulate ? " accumulate" : "");
  c.inputs = {{{n}, -6.0, 6.0}, {{n}}};  // x, dy
  c.outputs = {{n}, {n}};                // y, dx
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::activation_forward(enc, out[0], in[0], act);
    enc.barrier();
    ops::activation_backward(enc, out[1], in[1], out[0], act, accumulate);
  };
  if (accumulate) c.initial_output = [](std::size_t o, std::size_t count) { return Values(count, o == 1 ? 0.5 : 0.0); };
  c.cpu = [=](const std::vector<Values>& in) {
    Values y(in[0].size()), dx(in[0].size());
    for (std::size_t i = 0; i < y.size(); ++i) {
      y[i] = ops::ref::act_forward(act, in[0][i]);
      // The GPU takes the gradient from its own f32 y: do the same.
      dx[i] = in[1][i] * ops::ref::act_grad_from_output(act, static_cast<float>(y[i])) + (accumulate ? 0.5 : 0.0);
    }
    return std::vector<Values>{y, dx};
  };
  c.atol = 2e-6;
  c.rtol = 2e-6;
  return c;
}

std::vector<OpCase> activation_cases() {
  std::vector<OpCase> cases;
  for (ActivationSpec act : kAll) {
    for (int n : {1, 67, 1001}) cases.push_back(activation_case(act, n, false));
  }
  cases.push_back(activation_case({Activation::relu}, 67, true));
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Activation, OpTable, ::testing::ValuesIn(activation_cases()),
                         CaseName());

std::vector<GradCase> activation_grad_cases() {
  std::vector<GradCase> cases;
  for (ActivationSpec act : kAll) {
    GradCase c;
    c.name = ops::activation_name(act);
    c.inputs = {{{41}, -4.0, 4.0}};
    c.forward = [=](const std::vector<Values>& in) {
      Values y(in[0].size());
      for (std::size_t i = 0; i < y.size(); ++i) y[i] = ops::ref::act_forward(act, in[0][i]);
      return y;
    };
    c.backward = [=](const std::vector<Values>& in, const Values& dout) {
      Values dx(in[0].size());
      for (std::size_t i = 0; i < dx.size(); ++i) {
        dx[i] = dout[i] * ops::ref::act_grad_from_output(act, ops::ref::act_forward(act, in[0][i]));
      }
      return std::vector<Values>{dx};
    };
    cases.push_back(c);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Activation, GradTable, ::testing::ValuesIn(activation_grad_cases()),
                         CaseName());

}  // namespace
}  // namespace vkvae::test
