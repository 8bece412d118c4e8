// Reconstruction losses, KL and the deterministic sum against the reference, on large logits
// (stability), batch 1, 3 and 67, and odd widths.
#include <cmath>

#include "ops/loss.hpp"
#include "ops/op_harness.hpp"
#include "ops/reference/loss.hpp"

namespace vkvae::test {
namespace {

using ops::ReconLoss;

OpCase recon_case(ReconLoss kind, int B, int D) {
  const bool bce = kind == ReconLoss::bce_with_logits;
  OpCase c;
  c.name = std::string(bce ? "bce" : "squared_error") + " " + std::to_string(B) + "x" + std::to_string(D);
  c.inputs = {{{B, D}, bce ? -30.0 : -1.0, bce ? 30.0 : 2.0}, {{B, D}, 0.0, 1.0}, {{1}, 0.1, 1.0}};
  c.outputs = {{B}, {B, D}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::recon_loss_forward(enc, kind, out[0], in[0], in[1]);
    ops::recon_loss_backward(enc, kind, out[1], in[0], in[1], in[2]);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    if (bce) return std::vector<Values>{ops::ref::bce_with_logits(in[0], in[1], B, D),
                                        ops::ref::bce_with_logits_grad(in[0], in[1], in[2][0])};
    return std::vector<Values>{ops::ref::squared_error(in[0], in[1], B, D),
                               ops::ref::squared_error_grad(in[0], in[1], in[2][0])};
  };
  c.atol = 1e-4;
  c.rtol = 1e-5;
  return c;
}

OpCase kl_case(int B, int J, bool accumulate) {
  OpCase c;
  c.name = "kl " + std::to_string(B) + "x" + std::to_string(J) + (accumulate ? " accumulate" : "");
  c.inputs = {{{B, J}, -3.0, 3.0}, {{B, J}, -6.0, 4.0}, {{1}, 0.1, 2.0}};
  c.outputs = {{B}, {B, J}, {B, J}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::kl_forward(enc, out[0], in[0], in[1]);
    ops::kl_backward(enc, out[1], out[2], in[0], in[1], in[2], accumulate);
  };
  if (accumulate) c.initial_output = [](std::size_t o, std::size_t n) { return Values(n, o == 0 ? 0.0 : 0.25); };
  c.cpu = [=](const std::vector<Values>& in) {
    auto g = ops::ref::kl_grad(in[0], in[1], in[2][0]);
    if (accumulate) {
      for (auto& v : g.dmu) v += 0.25;
      for (auto& v : g.dlogvar) v += 0.25;
    }
    return std::vector<Values>{ops::ref::kl(in[0], in[1], B, J), g.dmu, g.dlogvar};
  };
  c.atol = 1e-4;
  c.rtol = 1e-5;
  return c;
}

OpCase sum_case(int n, float scale, bool accumulate) {
  OpCase c;
  c.name = "sum n" + std::to_string(n) + (accumulate ? " accumulate" : "");
  c.inputs = {{{n}}};
  c.outputs = {{1}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::reduce_sum(enc, out[0], in[0], scale, accumulate);
  };
  if (accumulate) c.initial_output = [](std::size_t, std::size_t count) { return Values(count, 3.0); };
  c.cpu = [=](const std::vector<Values>& in) {
    double s = 0;
    for (double v : in[0]) s += v;
    return std::vector<Values>{{(accumulate ? 3.0 : 0.0) + static_cast<double>(scale) * s}};
  };
  c.atol = 1e-6 * std::sqrt(static_cast<double>(n)) + 1e-6;
  c.rtol = 1e-6;
  return c;
}

std::vector<OpCase> loss_cases() {
  std::vector<OpCase> cases;
  for (ReconLoss kind : {ReconLoss::bce_with_logits, ReconLoss::squared_error}) {
    for (auto [B, D] : {std::pair{1, 1}, {3, 784}, {67, 13}, {128, 784}}) cases.push_back(recon_case(kind, B, D));
  }
  for (auto [B, J] : {std::pair{1, 1}, {3, 20}, {67, 16}}) cases.push_back(kl_case(B, J, false));
  cases.push_back(kl_case(67, 2, true));
  for (int n : {1, 63, 64, 65, 1001, 100000}) cases.push_back(sum_case(n, 1.0f, false));
  cases.push_back(sum_case(67, 0.125f, true));
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Loss, OpTable, ::testing::ValuesIn(loss_cases()), CaseName());

// Per-row weights dout[b] make L = Σ_b dout[b]·loss[b], whose gradient is the per-element
// gradient scaled by its row's weight: the GPU's scalar weight is the special case dout = w.
Values scale_rows(Values grad, const Values& dout, int D) {
  for (std::size_t i = 0; i < grad.size(); ++i) grad[i] *= dout[i / static_cast<std::size_t>(D)];
  return grad;
}

std::vector<GradCase> loss_grad_cases() {
  constexpr int B = 3, D = 5;
  GradCase bce{"bce", {{{B, D}, -5.0, 5.0}, {{B, D}, 0.0, 1.0}}, nullptr, nullptr};
  bce.forward = [](const std::vector<Values>& in) { return ops::ref::bce_with_logits(in[0], in[1], B, D); };
  bce.backward = [](const std::vector<Values>& in, const Values& dout) {
    return std::vector<Values>{scale_rows(ops::ref::bce_with_logits_grad(in[0], in[1], 1.0), dout, D), {}};
  };
  GradCase se{"squared_error", {{{B, D}}, {{B, D}}}, nullptr, nullptr};
  se.forward = [](const std::vector<Values>& in) { return ops::ref::squared_error(in[0], in[1], B, D); };
  se.backward = [](const std::vector<Values>& in, const Values& dout) {
    return std::vector<Values>{scale_rows(ops::ref::squared_error_grad(in[0], in[1], 1.0), dout, D), {}};
  };
  GradCase kl{"kl", {{{B, D}, -2.0, 2.0}, {{B, D}, -3.0, 2.0}}, nullptr, nullptr};
  kl.forward = [](const std::vector<Values>& in) { return ops::ref::kl(in[0], in[1], B, D); };
  kl.backward = [](const std::vector<Values>& in, const Values& dout) {
    const auto g = ops::ref::kl_grad(in[0], in[1], 1.0);
    return std::vector<Values>{scale_rows(g.dmu, dout, D), scale_rows(g.dlogvar, dout, D)};
  };
  return {bce, se, kl};
}

INSTANTIATE_TEST_SUITE_P(Loss, GradTable, ::testing::ValuesIn(loss_grad_cases()), CaseName());

}  // namespace
}  // namespace vkvae::test
