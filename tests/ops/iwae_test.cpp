// The importance-weighted bound's ops against the double-precision reference: rows repeated and
// summed back, the bound of K samples per example (K = 1, where it is the one-sample ELBO's
// terms, up to 50; large terms that would overflow an unshifted sum), its gradients, the
// per-row weighted reconstruction gradient; and the reference's gradients by finite differences.
#include <cmath>

#include "ops/iwae.hpp"
#include "ops/loss.hpp"
#include "ops/op_harness.hpp"
#include "ops/reference/iwae.hpp"
#include "ops/reference/loss.hpp"

namespace vkvae::test {
namespace {

OpCase repeat_case(int B, int F, int K, bool accumulate) {
  OpCase c;
  c.name = "repeat rows " + std::to_string(B) + "x" + std::to_string(F) + " K" + std::to_string(K) + (accumulate ? " accumulate" : "");
  c.inputs = {{{B, F}}, {{B * K, F}}};
  c.outputs = {{B * K, F}, {B, F}};
  if (accumulate) c.initial_output = [](std::size_t o, std::size_t n) { return Values(n, o == 1 ? 0.5 : 0.0); };
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::repeat_rows(enc, out[0], in[0], static_cast<uint32_t>(K));
    ops::sum_row_groups(enc, out[1], in[1], static_cast<uint32_t>(K), accumulate);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    Values y(static_cast<std::size_t>(B * K * F)), dx(static_cast<std::size_t>(B * F), accumulate ? 0.5 : 0.0);
    for (int r = 0; r < B * K; ++r) {
      for (int f = 0; f < F; ++f) {
        y[static_cast<std::size_t>(r * F + f)] = in[0][static_cast<std::size_t>((r / K) * F + f)];
        dx[static_cast<std::size_t>((r / K) * F + f)] += in[1][static_cast<std::size_t>(r * F + f)];
      }
    }
    return std::vector<Values>{y, dx};
  };
  c.atol = 1e-6;
  return c;
}

// `spread`: the terms' range, wide enough that exp of an unshifted log weight would overflow.
OpCase bound_case(int B, int K, int L, double spread, bool accumulate) {
  OpCase c;
  c.name = "iwae bound B" + std::to_string(B) + " K" + std::to_string(K) + " L" + std::to_string(L) + " terms to " +
           std::to_string(static_cast<int>(spread)) + (accumulate ? " accumulate" : "");
  const int n = B * K;
  c.inputs = {{{n}, 0.0, spread}, {{n, L}, -3.0, 3.0}, {{n, L}, -3.0, 3.0}, {{n, L}, -4.0, 2.0}, {{1}, 0.1, 1.0}};
  c.outputs = {{B}, {n}, {n, L}, {n, L}};
  if (accumulate) c.initial_output = [](std::size_t o, std::size_t count) { return Values(count, o >= 2 ? 0.25 : 0.0); };
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::iwae_bound_forward(enc, out[0], in[0], in[1], in[2], in[3], static_cast<uint32_t>(K));
    ops::iwae_bound_backward(enc, out[1], out[2], out[3], in[0], in[1], in[2], in[3], in[4], static_cast<uint32_t>(K), accumulate);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    ops::ref::IwaeGradients g = ops::ref::iwae_bound_grad(in[0], in[1], in[2], in[3], B, K, L, in[4][0]);
    if (accumulate) {
      for (double& v : g.dz) v += 0.25;
      for (double& v : g.dlogvar) v += 0.25;
    }
    return std::vector<Values>{ops::ref::iwae_bound(in[0], in[1], in[2], in[3], B, K, L), g.dterms, g.dz, g.dlogvar};
  };
  c.atol = 2e-4;  // float sums of K·L terms of a few units each
  c.rtol = 2e-5;
  return c;
}

OpCase row_weighted_recon_case(int B, int D) {
  OpCase c;
  c.name = "bce backward row weights " + std::to_string(B) + "x" + std::to_string(D);
  c.inputs = {{{B, D}, -8.0, 8.0}, {{B, D}, 0.0, 1.0}, {{B}, 0.0, 1.0}};
  c.outputs = {{B, D}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::recon_loss_backward_rows(enc, ops::ReconLoss::bce_with_logits, out[0], in[0], in[1], in[2]);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    Values g = ops::ref::bce_with_logits_grad(in[0], in[1], 1.0);
    for (std::size_t i = 0; i < g.size(); ++i) g[i] *= in[2][i / static_cast<std::size_t>(D)];
    return std::vector<Values>{g};
  };
  c.atol = 1e-6;
  return c;
}

std::vector<OpCase> iwae_cases() {
  return {repeat_case(1, 1, 1, false), repeat_case(3, 7, 5, false), repeat_case(67, 20, 3, true),
          bound_case(3, 1, 2, 10.0, false), bound_case(7, 5, 3, 50.0, false), bound_case(4, 50, 16, 600.0, true),
          row_weighted_recon_case(10, 33)};
}

INSTANTIATE_TEST_SUITE_P(Iwae, OpTable, ::testing::ValuesIn(iwae_cases()), CaseName());

std::vector<GradCase> iwae_grad_cases() {
  constexpr int B = 2, K = 3, L = 2;
  GradCase bound{"iwae bound", {{{B * K}, 0.0, 4.0}, {{B * K, L}, -2.0, 2.0}, {{B * K, L}, -2.0, 2.0}, {{B * K, L}, -2.0, 1.0}},
                 nullptr, nullptr};
  bound.forward = [](const std::vector<Values>& in) { return ops::ref::iwae_bound(in[0], in[1], in[2], in[3], B, K, L); };
  bound.backward = [](const std::vector<Values>& in, const Values& dout) {
    // The reference's gradient is for weight 1 on every example; dout weighs each example.
    const ops::ref::IwaeGradients g = ops::ref::iwae_bound_grad(in[0], in[1], in[2], in[3], B, K, L, 1.0);
    Values dterms = g.dterms, dz = g.dz, dlogvar = g.dlogvar;
    for (std::size_t r = 0; r < dterms.size(); ++r) dterms[r] *= dout[r / K];
    for (std::size_t i = 0; i < dz.size(); ++i) dz[i] *= dout[i / (K * L)], dlogvar[i] *= dout[i / (K * L)];
    return std::vector<Values>{dterms, dz, {}, dlogvar};  // ε: noise, held fixed
  };
  return {bound};
}

INSTANTIATE_TEST_SUITE_P(Iwae, GradTable, ::testing::ValuesIn(iwae_grad_cases()), CaseName());

}  // namespace
}  // namespace vkvae::test
