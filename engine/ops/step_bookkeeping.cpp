#include "ops/step_bookkeeping.hpp"

namespace vkvae::ops {

void step_bookkeeping(Encoder& enc, const StepBookkeeping& s) {
  const std::string op = "step_bookkeeping";
  const bool check = s.grads.buffer != nullptr;
  if (check) {
    expect_positive(op, {s.grads.numel()});
    expect_shape(op, "grads", s.grads, s.grads.shape);
  }
  expect_shape(op, "nonfinite", s.nonfinite, {1}, DType::u32);
  if (s.bit == 0) op_error(op, "the flag bit must be non-zero");
  if (s.losses.size() > kMaxStepLosses) {
    op_error(op, "takes up to " + std::to_string(kMaxStepLosses) + " loss terms, got " + std::to_string(s.losses.size()));
  }
  if (!check && s.losses.empty() && !s.advance) op_error(op, "has nothing to do");
  for (const Tensor& loss : s.losses) {
    expect_positive(op, {loss.numel()});
    expect_shape(op, "loss", loss, loss.shape);
  }
  if (!s.losses.empty()) expect_shape(op, "metric_sums", s.metric_sums, {static_cast<int64_t>(s.losses.size())});
  if (s.advance) {
    expect_shape(op, "step", s.step, {1}, DType::u32);
    expect_shape(op, "rng", s.rng, {4}, DType::u32);
    expect_shape(op, "cursor", s.cursor, {1}, DType::u32);
  }

  constexpr uint32_t kLocal = 64, kItems = 8;
  struct Push {
    uint32_t n, bit, batch, rows[kMaxStepLosses], advance;
  };
  Push push{check ? static_cast<uint32_t>(s.grads.numel()) : 0u, s.bit, s.batch, {}, s.advance ? 1u : 0u};
  // Bindings the shader does not read (no gradients, fewer loss terms, no advance) take the flag's
  // tensor, which is always there.
  const auto or_flag = [&](const Tensor& t, bool used) { return used ? t : s.nonfinite; };
  std::vector<Tensor> bindings = {or_flag(s.grads, check), s.nonfinite, or_flag(s.metric_sums, !s.losses.empty()),
                                  or_flag(s.step, s.advance), or_flag(s.rng, s.advance), or_flag(s.cursor, s.advance)};
  for (std::size_t l = 0; l < kMaxStepLosses; ++l) {
    const Tensor& loss = l < s.losses.size() ? s.losses[l] : s.nonfinite;
    bindings.push_back(loss);
    push.rows[l] = l < s.losses.size() ? static_cast<uint32_t>(loss.numel()) : 0;
  }
  enc.dispatch({"step_bookkeeping", static_cast<uint32_t>(bindings.size()), sizeof(Push),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, kItems),
                 vk::SpecConstant::u32(2, static_cast<uint32_t>(s.losses.size()))}},
               std::span<const Tensor>(bindings), push, vk::linear_groups(std::max(push.n, 1u), kLocal * kItems));
}

}  // namespace vkvae::ops
