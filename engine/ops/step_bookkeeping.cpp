#include "ops/step_bookkeeping.hpp"

namespace vkvae::ops {

void step_bookkeeping(Encoder& enc, const StepBookkeeping& s) {
  const std::string op = "step_bookkeeping";
  expect_positive(op, {s.grads.numel()});
  expect_shape(op, "grads", s.grads, s.grads.shape);
  expect_shape(op, "nonfinite", s.nonfinite, {1}, DType::u32);
  if (s.bit == 0) op_error(op, "the flag bit must be non-zero");
  if (s.losses.empty() || s.losses.size() > kMaxStepLosses) {
    op_error(op, "takes 1 to " + std::to_string(kMaxStepLosses) + " loss terms, got " + std::to_string(s.losses.size()));
  }
  for (const Tensor& loss : s.losses) {
    expect_positive(op, {loss.numel()});
    expect_shape(op, "loss", loss, loss.shape);
  }
  expect_shape(op, "metric_sums", s.metric_sums, {static_cast<int64_t>(s.losses.size())});
  expect_shape(op, "step", s.step, {1}, DType::u32);
  expect_shape(op, "rng", s.rng, {4}, DType::u32);
  expect_shape(op, "cursor", s.cursor, {1}, DType::u32);

  constexpr uint32_t kLocal = 64, kItems = 8;
  struct Push {
    uint32_t n, bit, batch, rows[kMaxStepLosses];
  };
  Push push{static_cast<uint32_t>(s.grads.numel()), s.bit, s.batch, {}};
  // Unused loss bindings repeat the first term (never read: LOSSES stops short of them).
  std::vector<Tensor> bindings = {s.grads, s.nonfinite, s.metric_sums, s.step, s.rng, s.cursor};
  for (std::size_t l = 0; l < kMaxStepLosses; ++l) {
    const Tensor& loss = l < s.losses.size() ? s.losses[l] : s.losses[0];
    bindings.push_back(loss);
    push.rows[l] = l < s.losses.size() ? static_cast<uint32_t>(loss.numel()) : 0;
  }
  enc.dispatch({"step_bookkeeping", static_cast<uint32_t>(bindings.size()), sizeof(Push),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, kItems),
                 vk::SpecConstant::u32(2, static_cast<uint32_t>(s.losses.size()))}},
               std::span<const Tensor>(bindings), push, vk::linear_groups(push.n, kLocal * kItems));
}

}  // namespace vkvae::ops
