// Adam, AdamW and SGD steps against PyTorch's update rules in double precision, with and
// without clipping, at the first and a later step; the step's bookkeeping (non-finite flag, loss
// sums, counters) and the guard.
#include <cmath>
#include <limits>

#include "ops/op_harness.hpp"
#include "ops/optimizer.hpp"
#include "ops/reference/optimizer.hpp"
#include "ops/step_bookkeeping.hpp"

namespace vkvae::test {
namespace {

using ops::OptimizerKind;

struct Setting {
  const char* name;
  OptimizerKind kind;
  ops::OptimizerHyper hyper;
  int step;
  bool clip;
  bool nesterov = false;
};

Values hyper_values(const ops::OptimizerHyper& h) {
  return {h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, h.max_grad_norm, h.momentum, h.dampening};
}

OpCase optimizer_case(const Setting& s, int n) {
  OpCase c;
  c.name = std::string(s.name) + " n" + std::to_string(n);
  const bool first = s.step == 1;
  c.inputs = {{{n}},                                   // grads
              {{8}, 0, 0, ops::DType::f32, hyper_values(s.hyper)},
              {{1}, 0, 0, ops::DType::u32, {static_cast<double>(s.step)}},
              {{1}, 0, 0, ops::DType::u32, {0}}};      // nonfinite flag
  c.outputs = {{n}, {n}, {n}, {1}, {ops::kMaxPartials}};  // params, m, v, ‖g‖², partials
  // State before the step: random params; zero moments at step 1, random ones later.
  const auto start = [first](std::size_t o, std::size_t count) {
    if (o == 0) return widen(random_floats(count, 900));
    if (o == 1) return first ? Values(count, 0.0) : widen(random_floats(count, 901, -0.1, 0.1));
    if (o == 2) return first ? Values(count, 0.0) : widen(random_floats(count, 902, 0.0, 0.01));
    return Values(count, 0.0);
  };
  c.initial_output = start;
  c.gpu = [s](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::grad_norm_sq(enc, out[3], in[0], out[4]);
    enc.barrier();
    ops::optimizer_step(enc, s.kind, {out[0], in[0], out[1], out[2], in[1], in[2], out[3], in[3]},
                        {s.clip, s.nesterov, true});
  };
  c.cpu = [s, start](const std::vector<Values>& in) {
    const std::size_t count = in[0].size();
    const Values p = start(0, count), m = start(1, count), v = start(2, count);
    const ops::OptimizerHyper& h = s.hyper;
    const ops::ref::Hyper rh{h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, h.momentum, h.dampening};
    const double clip = s.clip ? ops::ref::clip_coefficient(in[0], h.max_grad_norm) : 1.0;
    double sq = 0;
    for (double g : in[0]) sq += g * g;
    const auto r = s.kind == OptimizerKind::sgd ? ops::ref::sgd(p, in[0], m, rh, s.step, s.nesterov, clip)
                                                : ops::ref::adam(p, in[0], m, v, rh, s.step, s.kind == OptimizerKind::adamw, clip);
    return std::vector<Values>{r.params, r.m, s.kind == OptimizerKind::sgd ? v : r.v, {sq}, {}};
  };
  c.atol = 2e-6;
  c.rtol = 2e-5;
  return c;
}

std::vector<OpCase> optimizer_cases() {
  ops::OptimizerHyper adam;  // PyTorch's defaults
  ops::OptimizerHyper adam_wd = adam;
  adam_wd.weight_decay = 0.01f;
  ops::OptimizerHyper clipped = adam;
  clipped.max_grad_norm = 0.5f;
  ops::OptimizerHyper sgd{0.1f, 0, 0, 0, 0.001f, 0.5f, 0.9f, 0.0f};
  ops::OptimizerHyper sgd_damped = sgd;
  sgd_damped.dampening = 0.3f;
  ops::OptimizerHyper plain_sgd{0.05f, 0, 0, 0, 0, 0, 0, 0};
  const Setting settings[] = {
      {"adam first step", OptimizerKind::adam, adam, 1, false},
      {"adam step 7", OptimizerKind::adam, adam, 7, false},
      {"adam weight decay", OptimizerKind::adam, adam_wd, 3, false},
      {"adamw", OptimizerKind::adamw, adam_wd, 3, false},
      {"adam clipped", OptimizerKind::adam, clipped, 2, true},
      {"sgd momentum first step", OptimizerKind::sgd, sgd, 1, false},
      {"sgd momentum step 4", OptimizerKind::sgd, sgd, 4, true},
      {"sgd dampening", OptimizerKind::sgd, sgd_damped, 4, false},
      {"sgd nesterov", OptimizerKind::sgd, sgd, 4, false, true},
      {"sgd plain", OptimizerKind::sgd, plain_sgd, 2, false},
  };
  std::vector<OpCase> cases;
  for (const Setting& s : settings) {
    for (int n : {1, 1001}) cases.push_back(optimizer_case(s, n));
  }
  cases.push_back(optimizer_case(settings[4], 300007));  // more than one partial sum
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Optimizer, OpTable, ::testing::ValuesIn(optimizer_cases()), CaseName());

class StepBookkeepingTest : public VulkanTest {
 protected:
  // One bookkeeping dispatch over `grads` with two loss terms; returns the flag.
  uint32_t flag_after(const std::vector<float>& grads, uint32_t bit) {
    ops::Kernels kernels(context());
    TensorStore store(context());
    const ops::Tensor g = store.upload({static_cast<int64_t>(grads.size())}, grads);
    const ops::Tensor flag = store.make({1}, ops::DType::u32), step = store.make({1}, ops::DType::u32);
    const ops::Tensor rng = store.make({4}, ops::DType::u32), cursor = store.make({1}, ops::DType::u32);
    for (const ops::Tensor* t : {&flag, &step, &rng, &cursor}) {
      context().upload(*t->buffer, std::span<const uint32_t>(std::vector<uint32_t>(static_cast<std::size_t>(t->numel()), 0)));
    }
    const ops::Tensor loss = store.upload({3}, {1, 2, 3}), sums = store.upload({1}, {0});
    run_recorded(context(), kernels, [&](ops::Encoder& enc) {
      ops::step_bookkeeping(enc, {g, flag, bit, {loss}, sums, step, rng, cursor, 4});
    });
    return context().download<uint32_t>(*flag.buffer, 1)[0];
  }
};

TEST_F(StepBookkeepingTest, FlagIsRaisedByNanAndInfOnly) {
  std::vector<float> clean(1001, 1.0f);  // two workgroups of gradients
  clean[17] = std::numeric_limits<float>::max();
  clean[18] = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(flag_after(clean, 1), 0u);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (float bad : {inf, -inf, nan}) {
    std::vector<float> values(1001, 0.5f);
    values[1000] = bad;  // in the second workgroup
    EXPECT_EQ(flag_after(values, 4), 4u) << bad;
  }
}

TEST_F(StepBookkeepingTest, LossSumsAccumulateAndCountersAdvance) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  const std::vector<float> a = random_floats(3, 5), b = random_floats(130, 6);  // under and over a workgroup
  const ops::Tensor la = store.upload({3}, a), lb = store.upload({130}, b);
  const ops::Tensor sums = store.upload({2}, {10.0f, -2.0f}), grads = store.upload({5}, random_floats(5, 7));
  const ops::Tensor flag = store.make({1}, ops::DType::u32), step = store.make({1}, ops::DType::u32);
  const ops::Tensor rng = store.make({4}, ops::DType::u32), cursor = store.make({1}, ops::DType::u32);
  context().upload(*flag.buffer, std::span<const uint32_t>(std::vector<uint32_t>{0}));
  context().upload(*step.buffer, std::span<const uint32_t>(std::vector<uint32_t>{6}));
  context().upload(*rng.buffer, std::span<const uint32_t>(std::vector<uint32_t>{42, 0, 0xFFFFFFFFu, 7}));
  context().upload(*cursor.buffer, std::span<const uint32_t>(std::vector<uint32_t>{100}));
  for (int run = 0; run < 2; ++run) {
    run_recorded(context(), kernels, [&](ops::Encoder& enc) {
      ops::step_bookkeeping(enc, {grads, flag, 1, {la, lb}, sums, step, rng, cursor, 32});
    });
  }
  double want_a = 10.0, want_b = -2.0;
  for (float v : a) want_a += 2.0 * static_cast<double>(v);
  for (float v : b) want_b += 2.0 * static_cast<double>(v);
  EXPECT_TRUE(all_close(store.download(sums), {want_a, want_b}, 1e-5, 1e-6));
  EXPECT_EQ(context().download<uint32_t>(*step.buffer, 1)[0], 8u);
  EXPECT_EQ(context().download<uint32_t>(*rng.buffer, 4), (std::vector<uint32_t>{42, 0, 1, 8}));  // the step carried
  EXPECT_EQ(context().download<uint32_t>(*cursor.buffer, 1)[0], 164u);
  EXPECT_EQ(context().download<uint32_t>(*flag.buffer, 1)[0], 0u);
}

// A step computed in shards: each shard's loss sums alone (no gradients, counters unmoved), then
// the flag and the counters alone (no loss terms).
TEST_F(StepBookkeepingTest, ShardPartsDoOnlyTheirOwnPart) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  const std::vector<float> a = random_floats(70, 8);
  const ops::Tensor la = store.upload({70}, a), sums = store.upload({1}, {1.0f});
  std::vector<float> bad(9, 0.25f);
  bad[4] = std::numeric_limits<float>::infinity();
  const ops::Tensor grads = store.upload({9}, bad);
  const ops::Tensor flag = store.make({1}, ops::DType::u32), step = store.make({1}, ops::DType::u32);
  const ops::Tensor rng = store.make({4}, ops::DType::u32), cursor = store.make({1}, ops::DType::u32);
  for (const ops::Tensor* t : {&flag, &step, &rng, &cursor}) {
    context().upload(*t->buffer, std::span<const uint32_t>(std::vector<uint32_t>(static_cast<std::size_t>(t->numel()), 3)));
  }
  run_recorded(context(), kernels, [&](ops::Encoder& enc) {
    ops::step_bookkeeping(enc, {ops::Tensor{}, flag, 2, {la}, sums, step, rng, cursor, 32, /*advance=*/false});
  });
  double want = 1.0;
  for (float v : a) want += static_cast<double>(v);
  EXPECT_TRUE(all_close(store.download(sums), {want}, 1e-5, 1e-6));
  EXPECT_EQ(context().download<uint32_t>(*flag.buffer, 1)[0], 3u);
  EXPECT_EQ(context().download<uint32_t>(*step.buffer, 1)[0], 3u);
  EXPECT_EQ(context().download<uint32_t>(*cursor.buffer, 1)[0], 3u);

  run_recorded(context(), kernels, [&](ops::Encoder& enc) {
    ops::step_bookkeeping(enc, {grads, flag, 4, {}, ops::Tensor{}, step, rng, cursor, 32});
  });
  EXPECT_TRUE(all_close(store.download(sums), {want}, 1e-5, 1e-6));
  EXPECT_EQ(context().download<uint32_t>(*flag.buffer, 1)[0], 7u);
  EXPECT_EQ(context().download<uint32_t>(*step.buffer, 1)[0], 4u);
  EXPECT_EQ(context().download<uint32_t>(*rng.buffer, 4), (std::vector<uint32_t>{3, 3, 4, 3}));
  EXPECT_EQ(context().download<uint32_t>(*cursor.buffer, 1)[0], 35u);
}

class NonFinite : public VulkanTest {};

TEST_F(NonFinite, RaisedFlagGuardsTheUpdate) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  // With the flag raised, Adam leaves parameters and moments as they were.
  const int n = 67;
  const std::vector<float> params = random_floats(n, 1);
  ops::OptimizerHyper h;
  const ops::Tensor p = store.upload({n}, params), g = store.upload({n}, random_floats(n, 2));
  const ops::Tensor m = store.upload({n}, std::vector<float>(n, 0.0f)), v = store.upload({n}, std::vector<float>(n, 0.0f));
  const ops::Tensor hyper = store.upload({8}, std::vector<float>{h.lr, h.beta1, h.beta2, h.eps, 0, 0, 0, 0});
  const ops::Tensor step = store.make({1}, ops::DType::u32), flag = store.make({1}, ops::DType::u32);
  context().upload(*step.buffer, std::span<const uint32_t>(std::vector<uint32_t>{1}));
  context().upload(*flag.buffer, std::span<const uint32_t>(std::vector<uint32_t>{1}));
  const ops::Tensor norm = store.make({1});
  run_recorded(context(), kernels, [&](ops::Encoder& enc) {
    ops::optimizer_step(enc, OptimizerKind::adam, {p, g, m, v, hyper, step, norm, flag});
  });
  EXPECT_EQ(store.download(p), params);
  EXPECT_EQ(store.download(m), std::vector<float>(n, 0.0f));
}

TEST_F(NonFinite, AnUpdateThatIsNotFiniteRaisesTheFlag) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  const int n = 301;  // several workgroups; the bad element in the last
  ops::OptimizerHyper h;
  const ops::Tensor hyper = store.upload({8}, std::vector<float>{h.lr, h.beta1, h.beta2, h.eps, 0, 0, 0, 0});
  const ops::Tensor huge_lr = store.upload({8}, std::vector<float>{3e38f, 0, 0, 0, 0, 0, 0, 0});
  const ops::Tensor step = store.make({1}, ops::DType::u32), norm = store.make({1});
  context().upload(*step.buffer, std::span<const uint32_t>(std::vector<uint32_t>{3}));
  const auto flag_after = [&](OptimizerKind kind, const ops::Tensor& hyper_values, std::vector<float> v) {
    const ops::Tensor p = store.upload({n}, random_floats(n, 1)), g = store.upload({n}, random_floats(n, 2, 1.0f, 2.0f));
    const ops::Tensor m = store.upload({n}, std::vector<float>(n, 0.0f)), vv = store.upload({n}, v);
    const ops::Tensor flag = store.make({1}, ops::DType::u32);
    context().upload(*flag.buffer, std::span<const uint32_t>(std::vector<uint32_t>{0}));
    run_recorded(context(), kernels, [&](ops::Encoder& enc) {
      ops::optimizer_step(enc, kind, {p, g, m, vv, hyper_values, step, norm, flag});
    });
    return context().download<uint32_t>(*flag.buffer, 1)[0];
  };
  std::vector<float> v(n, 0.01f);
  EXPECT_EQ(flag_after(OptimizerKind::adam, hyper, v), 0u);
  v[n - 1] = std::numeric_limits<float>::quiet_NaN();  // a moment loaded damaged
  EXPECT_EQ(flag_after(OptimizerKind::adam, hyper, v), ops::kUpdateNonFiniteBit);
  EXPECT_EQ(flag_after(OptimizerKind::sgd, hyper, std::vector<float>(n, 0.0f)), 0u);
  // Finite gradients, a learning rate that throws the weights past the largest float.
  EXPECT_EQ(flag_after(OptimizerKind::sgd, huge_lr, std::vector<float>(n, 0.0f)), ops::kUpdateNonFiniteBit);
}

}  // namespace
}  // namespace vkvae::test
