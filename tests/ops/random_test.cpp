// The counter-based RNG: Philox known answers, the quality of the arithmetic-only normal
// transform, GPU bits equal to the C++ twin, and the reparameterization op.
#include <cmath>
#include <cstring>

#include "ops/op_harness.hpp"
#include "ops/random.hpp"
#include "ops/reparameterize.hpp"

namespace vkvae::test {
namespace {

using ops::RngState;
using ops::RngStream;

TEST(Philox, KnownAnswers) {
  // Philox4x32-10 known-answer vectors published with Random123.
  using Words = std::array<uint32_t, 4>;
  EXPECT_EQ(ops::philox4x32_10({0, 0, 0, 0}, {0, 0}), (Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(ops::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(ops::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(NormalTransform, MatchesLibmBoxMullerClosely) {
  // The add/multiply-only transform against the textbook formula on the same words.
  double worst = 0;
  for (uint32_t i = 0; i < 200000; ++i) {
    const auto w = ops::philox4x32_10({i, 7, 0, 3}, {11, 13});
    const auto z = ops::normal_pair(w[0], w[1]);
    const double u1 = ((w[0] >> 9) + 0.5) / 8388608.0;
    const double theta = 2 * M_PI * ((w[1] >> 8) / 16777216.0);
    const double r = std::sqrt(-2 * std::log(u1));
    const double z0 = z[0], z1 = z[1];
    worst = std::max({worst, std::abs(z0 - r * std::cos(theta)), std::abs(z1 - r * std::sin(theta))});
  }
  EXPECT_LT(worst, 4e-6);
}

TEST(NormalTransform, SamplesLookStandardNormal) {
  const RngState state = RngState::from(1234, 5);
  const int n = 1 << 20;
  double sum = 0, sq = 0, fourth = 0;
  int beyond_3 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = ops::standard_normal(state, RngStream::reparameterize, static_cast<uint32_t>(i));
    sum += z, sq += z * z, fourth += z * z * z * z;
    beyond_3 += std::abs(z) > 3.0;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.005);
  EXPECT_NEAR(var, 1.0, 0.005);
  EXPECT_NEAR(fourth / n, 3.0, 0.03);                       // kurtosis of a normal
  EXPECT_NEAR(static_cast<double>(beyond_3) / n, 0.0027, 0.0003);  // two-sided 3σ tail
}

TEST(NormalTransform, StreamsStepsAndSeedsGiveDifferentNumbers) {
  const auto draw = [](RngState s, RngStream stream) { return ops::standard_normal(s, stream, 5); };
  const RngState a = RngState::from(1, 0);
  EXPECT_NE(draw(a, RngStream::reparameterize), draw(a, RngStream::prior));
  EXPECT_NE(draw(a, RngStream::reparameterize), draw(RngState::from(1, 1), RngStream::reparameterize));
  EXPECT_NE(draw(a, RngStream::reparameterize), draw(RngState::from(2, 0), RngStream::reparameterize));
  EXPECT_NE(draw(a, RngStream::reparameterize), draw(RngState::from(1ull << 32, 0), RngStream::reparameterize));
}

TEST(Uniform, InUnitIntervalWithMeanOneHalf) {
  const RngState state = RngState::from(99, 3);
  double sum = 0;
  for (uint32_t i = 0; i < 100000; ++i) {
    const float u = ops::standard_uniform(state, RngStream::binarize, i);
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += static_cast<double>(u);
  }
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

class GpuRandom : public VulkanTest {};

TEST_F(GpuRandom, NormalsAreBitIdenticalToTheCppTwin) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  const uint32_t n = 100003;
  for (auto [seed, step, stream] : {std::tuple{0ull, 0ull, RngStream::prior}, {42ull, 7ull, RngStream::reparameterize},
                                    {0xDEADBEEFCAFEull, (1ull << 32) + 5, RngStream::binarize}}) {
    const RngState state = RngState::from(seed, step);
    const ops::Tensor rng = store.make({4}, ops::DType::u32);
    context().upload(*rng.buffer, 0, std::as_bytes(std::span<const RngState, 1>(&state, 1)));
    const ops::Tensor out = store.make({static_cast<int64_t>(n)});
    run_recorded(context(), kernels, [&](ops::Encoder& enc) { ops::random_normal(enc, out, rng, stream); });
    const std::vector<float> gpu = store.download(out);
    std::size_t mismatches = 0, first = n;
    for (uint32_t i = 0; i < n; ++i) {
      const float twin = ops::standard_normal(state, stream, i);
      if (std::memcmp(&twin, &gpu[i], 4) != 0) {
        if (first == n) first = i;
        ++mismatches;
      }
    }
    EXPECT_EQ(mismatches, 0u) << "seed " << seed << " step " << step << ": first at " << first << ", gpu "
                              << (first < n ? gpu[first] : 0.0f) << " twin "
                              << (first < n ? ops::standard_normal(state, stream, static_cast<uint32_t>(first)) : 0.0f);
  }
}

RngState state_from(const Values& words) {
  return {static_cast<uint32_t>(words[0]), static_cast<uint32_t>(words[1]), static_cast<uint32_t>(words[2]),
          static_cast<uint32_t>(words[3])};
}

// `first`: the noise of the elements from `first` on (a shard of a larger batch).
OpCase reparameterize_case(int B, int J, bool accumulate, uint32_t first = 0) {
  OpCase c;
  c.name = "reparameterize " + std::to_string(B) + "x" + std::to_string(J) + (accumulate ? " accumulate" : "") +
           (first ? " from element " + std::to_string(first) : "");
  c.inputs = {{{B, J}, -2.0, 2.0}, {{B, J}, -4.0, 2.0}, {{4}, 0.0, 4e9, ops::DType::u32}, {{B, J}}};
  c.outputs = {{B, J}, {B, J}, {B, J}, {B, J}};  // z, ε, dμ, dlog σ²
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::reparameterize_forward(enc, out[0], out[1], in[0], in[1], in[2], first);
    enc.barrier();
    ops::reparameterize_backward(enc, out[2], out[3], in[3], out[1], in[1], accumulate);
  };
  if (accumulate) c.initial_output = [](std::size_t o, std::size_t n) { return Values(n, o >= 2 ? 1.0 : 0.0); };
  c.cpu = [=](const std::vector<Values>& in) {
    const RngState state = state_from(in[2]);
    const std::size_t n = in[0].size();
    Values z(n), eps(n), dmu(n), dlogvar(n);
    for (std::size_t i = 0; i < n; ++i) {
      eps[i] = ops::standard_normal(state, RngStream::reparameterize, first + static_cast<uint32_t>(i));
      const double sigma = std::exp(0.5 * in[1][i]);
      z[i] = in[0][i] + sigma * eps[i];
      dmu[i] = in[3][i] + (accumulate ? 1.0 : 0.0);
      dlogvar[i] = in[3][i] * eps[i] * 0.5 * sigma + (accumulate ? 1.0 : 0.0);
    }
    return std::vector<Values>{z, eps, dmu, dlogvar};
  };
  c.atol = 2e-6;
  c.rtol = 2e-6;  // ε itself is compared exactly by the bit-identity test above
  return c;
}

std::vector<OpCase> reparameterize_cases() {
  return {reparameterize_case(1, 1, false), reparameterize_case(3, 20, false), reparameterize_case(67, 16, false),
          reparameterize_case(128, 2, true), reparameterize_case(3, 20, false, 61)};
}

INSTANTIATE_TEST_SUITE_P(Reparameterize, OpTable, ::testing::ValuesIn(reparameterize_cases()), CaseName());

std::vector<GradCase> reparameterize_grad_cases() {
  GradCase c{"reparameterize", {{{3, 4}}, {{3, 4}, -2.0, 1.0}, {{3, 4}}}, nullptr, nullptr};  // μ, log σ², ε
  c.forward = [](const std::vector<Values>& in) {
    Values z(in[0].size());
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = in[0][i] + std::exp(0.5 * in[1][i]) * in[2][i];
    return z;
  };
  c.backward = [](const std::vector<Values>& in, const Values& dz) {
    Values dmu(dz), dlogvar(dz.size());
    for (std::size_t i = 0; i < dz.size(); ++i) dlogvar[i] = dz[i] * in[2][i] * 0.5 * std::exp(0.5 * in[1][i]);
    return std::vector<Values>{dmu, dlogvar, {}};
  };
  return {c};
}

INSTANTIATE_TEST_SUITE_P(Reparameterize, GradTable, ::testing::ValuesIn(reparameterize_grad_cases()), CaseName());

}  // namespace
}  // namespace vkvae::test
