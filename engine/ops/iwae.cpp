#include "ops/iwae.hpp"

namespace vkvae::ops {
namespace {

constexpr uint32_t kLocal = 64;

struct RepeatPush {
  uint32_t n, f, k;
};
struct BoundPush {
  uint32_t b, k, l;
};

// The examples B of samples (B·K, L), checking every sample-shaped tensor against z.
uint32_t examples(const std::string& op, const Tensor& z, uint32_t k, std::initializer_list<std::pair<const char*, const Tensor*>> same) {
  if (z.shape.rank() != 2) op_error(op, "z must be (samples, latent), got " + z.shape.str());
  expect_positive(op, {z.shape[0], z.shape[1], k});
  if (z.shape[0] % k != 0) op_error(op, std::to_string(z.shape[0]) + " samples are not a whole number of examples of " + std::to_string(k));
  expect_all_shaped(op, z.shape, same);
  return static_cast<uint32_t>(z.shape[0] / k);
}

// Checks `few` (rows, features) and `many` (rows·K, features), the two sides of repeat_rows and
// sum_row_groups, and returns the push constants over `n` elements.
RepeatPush repeat_push(const std::string& op, const char* few_name, const Tensor& few, const char* many_name, const Tensor& many,
                       uint32_t k, uint64_t n) {
  if (few.shape.rank() != 2) op_error(op, std::string(few_name) + " must be (rows, features), got " + few.shape.str());
  expect_positive(op, {few.shape[0], few.shape[1], k});
  expect_shape(op, few_name, few, few.shape);
  expect_shape(op, many_name, many, {few.shape[0] * k, few.shape[1]});
  return {static_cast<uint32_t>(n), static_cast<uint32_t>(few.shape[1]), k};
}

}  // namespace

void repeat_rows(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t k) {
  const RepeatPush push = repeat_push("repeat_rows", "x", x, "y", y, k, static_cast<uint64_t>(x.numel()) * k);
  enc.dispatch({"repeat_rows", 2, sizeof(RepeatPush), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, false)}}, {x, y}, push,
               vk::linear_groups(push.n, kLocal));
}

void sum_row_groups(Encoder& enc, const Tensor& dx, const Tensor& dy, uint32_t k, bool accumulate) {
  const RepeatPush push = repeat_push("sum_row_groups", "dx", dx, "dy", dy, k, static_cast<uint64_t>(dx.numel()));
  enc.dispatch({"repeat_rows", 2, sizeof(RepeatPush),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, true), vk::SpecConstant::u32(2, accumulate)}},
               {dy, dx}, push, vk::linear_groups(push.n, kLocal));
}

void iwae_bound_forward(Encoder& enc, const Tensor& bound, const Tensor& terms, const Tensor& z, const Tensor& eps,
                        const Tensor& logvar, uint32_t k) {
  const std::string op = "iwae_bound_forward";
  const uint32_t b = examples(op, z, k, {{"z", &z}, {"eps", &eps}, {"logvar", &logvar}});
  expect_shape(op, "terms", terms, {z.shape[0]});
  expect_shape(op, "bound", bound, {b});
  const BoundPush push{b, k, static_cast<uint32_t>(z.shape[1])};
  // The weight binding is not read without WEIGHTS: the terms stand in for it.
  enc.dispatch({"iwae_bound", 6, sizeof(BoundPush), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, false)}},
               {terms, z, eps, logvar, terms, bound}, push, vk::linear_groups(b, kLocal));
}

void iwae_bound_backward(Encoder& enc, const Tensor& dterms, const Tensor& dz, const Tensor& dlogvar, const Tensor& terms,
                         const Tensor& z, const Tensor& eps, const Tensor& logvar, const Tensor& weight, uint32_t k, bool accumulate) {
  const std::string op = "iwae_bound_backward";
  const uint32_t b = examples(op, z, k, {{"z", &z}, {"eps", &eps}, {"logvar", &logvar}, {"dz", &dz}, {"dlogvar", &dlogvar}});
  expect_shape(op, "terms", terms, {z.shape[0]});
  expect_shape(op, "dterms", dterms, {z.shape[0]});
  expect_shape(op, "weight", weight, {1});
  const BoundPush push{b, k, static_cast<uint32_t>(z.shape[1])};
  enc.dispatch({"iwae_bound", 6, sizeof(BoundPush), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, true)}},
               {terms, z, eps, logvar, weight, dterms}, push, vk::linear_groups(b, kLocal));
  enc.barrier();
  struct LatentPush {
    uint32_t n, l;
  };
  const LatentPush latent{static_cast<uint32_t>(z.numel()), push.l};
  enc.dispatch({"iwae_latent_grad", 4, sizeof(LatentPush), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, accumulate)}},
               {dterms, z, dz, dlogvar}, latent, vk::linear_groups(latent.n, kLocal));
}

}  // namespace vkvae::ops
