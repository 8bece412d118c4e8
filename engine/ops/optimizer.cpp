#include "ops/optimizer.hpp"

#include <algorithm>

namespace vkvae::ops {
namespace {

constexpr uint32_t kLocal = 64;
constexpr uint32_t kItems = 4;

}  // namespace

void optimizer_step(Encoder& enc, OptimizerKind kind, const OptimizerTensors& t,
                    const OptimizerOptions& options) {
  const std::string op = kind == OptimizerKind::sgd ? "sgd_step" : kind == OptimizerKind::adam ? "adam_step" : "adamw_step";
  expect_positive(op, {t.params.numel()});
  const Shape flat = {t.params.numel()};
  expect_shape(op, "params", t.params, flat);
  expect_shape(op, "grads", t.grads, flat);
  expect_shape(op, kind == OptimizerKind::sgd ? "momentum buffer" : "m", t.m, flat);
  if (kind != OptimizerKind::sgd) expect_shape(op, "v", t.v, flat);
  expect_shape(op, "hyper", t.hyper, {8});
  expect_shape(op, "step", t.step, {1}, DType::u32);
  expect_shape(op, "grad_norm_sq", t.grad_norm_sq, {1});
  expect_shape(op, "nonfinite", t.nonfinite, {1}, DType::u32);

  const uint32_t n = static_cast<uint32_t>(t.params.numel());
  const vk::Groups groups = vk::linear_groups(n, kLocal * kItems);
  std::vector<vk::SpecConstant> constants = {
      vk::SpecConstant::u32(0, kLocal),
      vk::SpecConstant::u32(1, kind == OptimizerKind::sgd ? options.nesterov : kind == OptimizerKind::adamw),
      vk::SpecConstant::u32(2, options.clip), vk::SpecConstant::u32(3, options.guard),
      vk::SpecConstant::u32(4, kItems)};
  if (kind == OptimizerKind::sgd) {
    enc.dispatch({"sgd", 7, 4, constants}, {t.params, t.grads, t.m, t.hyper, t.step, t.grad_norm_sq, t.nonfinite}, n, groups);
  } else {
    enc.dispatch({"adam", 8, 4, constants},
                 {t.params, t.grads, t.m, t.v, t.hyper, t.step, t.grad_norm_sq, t.nonfinite}, n, groups);
  }
}

void grad_norm_sq(Encoder& enc, const Tensor& out, const Tensor& grads, const Tensor& partials) {
  const std::string op = "grad_norm_sq";
  expect_positive(op, {grads.numel()});
  expect_shape(op, "grads", grads, grads.shape);
  expect_shape(op, "out", out, {1});
  expect_shape(op, "partials", partials, {kMaxPartials});
  const uint32_t n = static_cast<uint32_t>(grads.numel());
  // Chunks of at least 4096 elements: enough work per workgroup to amortise its start.
  const uint32_t groups = std::min(kMaxPartials, vk::groups_for(n, 4096));
  const uint32_t chunk = vk::groups_for(n, groups);
  const vk::PipelineDesc squares{"reduce_sum", 2, sizeof(ReducePush),
                                 {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(2, true)}};
  const vk::PipelineDesc sum{"reduce_sum", 2, sizeof(ReducePush), {vk::SpecConstant::u32(0, kLocal)}};
  Tensor used = partials;
  used.shape = {groups};
  enc.dispatch(squares, {grads, used}, ReducePush{n, 1.0f, chunk}, {groups});
  enc.barrier();
  enc.dispatch(sum, {used, out}, ReducePush{groups, 1.0f, groups}, {1});
}

}  // namespace vkvae::ops
