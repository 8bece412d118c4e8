#include "ops/activation.hpp"

namespace vkvae::ops {
namespace {

constexpr uint32_t kLocal = 64;
constexpr uint32_t kItems = 4;

}  // namespace

void validate_activation(const std::string& op, ActivationSpec act) {
  const bool needs_positive = act.kind == Activation::leaky_relu || act.kind == Activation::elu;
  if (needs_positive && !(act.param > 0.0f)) {
    op_error(op, activation_name(act) + ": the parameter must be > 0 (gradients are taken from "
                                        "the output, which needs a sign-preserving activation)");
  }
}

void add_activation_constants(vk::PipelineDesc& desc, ActivationSpec act) {
  desc.specialization.push_back(vk::SpecConstant::u32(8, static_cast<uint32_t>(act.kind)));
  desc.specialization.push_back(vk::SpecConstant::f32(9, act.param));
}

void activation_forward(Encoder& enc, const Tensor& y, const Tensor& x, ActivationSpec act) {
  const std::string op = "activation_forward " + activation_name(act);
  validate_activation(op, act);
  expect_positive(op, {x.numel()});
  expect_shape(op, "x", x, x.shape);
  expect_shape(op, "y", y, x.shape);
  vk::PipelineDesc desc{"activation_forward", 2, 4, {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, kItems)}};
  add_activation_constants(desc, act);
  const uint32_t n = static_cast<uint32_t>(x.numel());
  enc.dispatch(desc, {x, y}, n, vk::linear_groups(n, kLocal * kItems));
}

void activation_backward(Encoder& enc, const Tensor& dx, const Tensor& dy, const Tensor& y,
                         ActivationSpec act, bool accumulate) {
  const std::string op = "activation_backward " + activation_name(act);
  validate_activation(op, act);
  expect_positive(op, {y.numel()});
  expect_shape(op, "y", y, y.shape);
  expect_shape(op, "dy", dy, y.shape);
  expect_shape(op, "dx", dx, y.shape);
  vk::PipelineDesc desc{"activation_backward", 3, 4,
                        {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, kItems),
                         vk::SpecConstant::u32(2, accumulate)}};
  add_activation_constants(desc, act);
  const uint32_t n = static_cast<uint32_t>(y.numel());
  enc.dispatch(desc, {dy, y, dx}, n, vk::linear_groups(n, kLocal * kItems));
}

}  // namespace vkvae::ops
