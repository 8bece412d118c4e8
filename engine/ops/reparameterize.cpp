#include "ops/reparameterize.hpp"

namespace vkvae::ops {
namespace {

constexpr uint32_t kLocal = 64;

struct Push {
  uint32_t n, stream, first;
};

void expect_rng(const std::string& op, const Tensor& rng) { expect_shape(op, "rng", rng, {4}, DType::u32); }

}  // namespace

void random_normal(Encoder& enc, const Tensor& out, const Tensor& rng, RngStream stream) {
  const std::string op = "random_normal";
  expect_positive(op, {out.numel()});
  expect_shape(op, "out", out, out.shape);
  expect_rng(op, rng);
  const uint32_t n = static_cast<uint32_t>(out.numel());
  enc.dispatch({"random_normal", 2, sizeof(Push), {vk::SpecConstant::u32(0, kLocal)}}, {rng, out},
               Push{n, static_cast<uint32_t>(stream), 0}, vk::linear_groups(n, kLocal));
}

void reparameterize_forward(Encoder& enc, const Tensor& z, const Tensor& eps, const Tensor& mu,
                            const Tensor& logvar, const Tensor& rng, uint32_t first_element) {
  const std::string op = "reparameterize_forward";
  expect_positive(op, {mu.numel()});
  expect_all_shaped(op, mu.shape, {{"mu", &mu}, {"logvar", &logvar}, {"eps", &eps}, {"z", &z}});
  expect_rng(op, rng);
  const uint32_t n = static_cast<uint32_t>(mu.numel());
  enc.dispatch({"reparameterize_forward", 5, sizeof(Push), {vk::SpecConstant::u32(0, kLocal)}},
               {mu, logvar, rng, eps, z}, Push{n, static_cast<uint32_t>(RngStream::reparameterize), first_element},
               vk::linear_groups(n, kLocal));
}

void reparameterize_backward(Encoder& enc, const Tensor& dmu, const Tensor& dlogvar,
                             const Tensor& dz, const Tensor& eps, const Tensor& logvar,
                             bool accumulate) {
  const std::string op = "reparameterize_backward";
  expect_positive(op, {dz.numel()});
  expect_all_shaped(op, dz.shape, {{"dz", &dz}, {"eps", &eps}, {"logvar", &logvar}, {"dmu", &dmu}, {"dlogvar", &dlogvar}});
  const uint32_t n = static_cast<uint32_t>(dz.numel());
  enc.dispatch({"reparameterize_backward", 5, 4, {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, accumulate)}},
               {dz, eps, logvar, dmu, dlogvar}, n, vk::linear_groups(n, kLocal));
}

}  // namespace vkvae::ops
