#include "ops/loss.hpp"

namespace vkvae::ops {
namespace {

constexpr uint32_t kLocal = 64;

struct RowsPush {
  uint32_t rows, cols;
};

RowsPush matrix_dims(const std::string& op, const char* role, const Tensor& t) {
  if (t.shape.rank() != 2) op_error(op, std::string(role) + " must be (batch, features), got " + t.shape.str());
  expect_positive(op, {t.shape[0], t.shape[1]});
  expect_shape(op, role, t, t.shape);
  return {static_cast<uint32_t>(t.shape[0]), static_cast<uint32_t>(t.shape[1])};
}

const char* loss_name(ReconLoss kind) {
  return kind == ReconLoss::bce_with_logits ? "bce_with_logits" : "squared_error";
}

}  // namespace

void recon_loss_forward(Encoder& enc, ReconLoss kind, const Tensor& loss, const Tensor& prediction,
                        const Tensor& target) {
  const std::string op = std::string("recon_loss_forward ") + loss_name(kind);
  const RowsPush d = matrix_dims(op, "prediction", prediction);
  expect_shape(op, "target", target, prediction.shape);
  expect_shape(op, "loss", loss, {d.rows});
  enc.dispatch({"recon_loss_forward", 3, sizeof(RowsPush),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, static_cast<uint32_t>(kind))}},
               {prediction, target, loss}, d, {vk::groups_for(d.rows, kLocal)});
}

namespace {

void dispatch_recon_backward(Encoder& enc, ReconLoss kind, const Tensor& dprediction, const Tensor& prediction, const Tensor& target,
                             const Tensor& weight, bool per_row) {
  struct Push {
    uint32_t n, d;
  };
  const Push push{static_cast<uint32_t>(prediction.numel()), static_cast<uint32_t>(prediction.shape[1])};
  constexpr uint32_t kItems = 4;
  enc.dispatch({"recon_loss_backward", 4, sizeof(Push),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, static_cast<uint32_t>(kind)),
                 vk::SpecConstant::u32(2, kItems), vk::SpecConstant::u32(3, per_row)}},
               {prediction, target, weight, dprediction}, push, vk::linear_groups(push.n, kLocal * kItems));
}

}  // namespace

void recon_loss_backward(Encoder& enc, ReconLoss kind, const Tensor& dprediction,
                         const Tensor& prediction, const Tensor& target, const Tensor& weight) {
  const std::string op = std::string("recon_loss_backward ") + loss_name(kind);
  matrix_dims(op, "prediction", prediction);
  expect_shape(op, "target", target, prediction.shape);
  expect_shape(op, "dprediction", dprediction, prediction.shape);
  expect_shape(op, "weight", weight, {1});
  dispatch_recon_backward(enc, kind, dprediction, prediction, target, weight, false);
}

void recon_loss_backward_rows(Encoder& enc, ReconLoss kind, const Tensor& dprediction, const Tensor& prediction, const Tensor& target,
                              const Tensor& row_weights) {
  const std::string op = std::string("recon_loss_backward_rows ") + loss_name(kind);
  const RowsPush d = matrix_dims(op, "prediction", prediction);
  expect_shape(op, "target", target, prediction.shape);
  expect_shape(op, "dprediction", dprediction, prediction.shape);
  expect_shape(op, "row weights", row_weights, {d.rows});
  dispatch_recon_backward(enc, kind, dprediction, prediction, target, row_weights, true);
}

void kl_forward(Encoder& enc, const Tensor& kl, const Tensor& mu, const Tensor& logvar) {
  const std::string op = "kl_forward";
  const RowsPush d = matrix_dims(op, "mu", mu);
  expect_shape(op, "logvar", logvar, mu.shape);
  expect_shape(op, "kl", kl, {d.rows});
  enc.dispatch({"kl_forward", 3, sizeof(RowsPush), {vk::SpecConstant::u32(0, kLocal)}}, {mu, logvar, kl},
               d, {vk::groups_for(d.rows, kLocal)});
}

void kl_backward(Encoder& enc, const Tensor& dmu, const Tensor& dlogvar, const Tensor& mu,
                 const Tensor& logvar, const Tensor& weight, bool accumulate) {
  const std::string op = "kl_backward";
  matrix_dims(op, "mu", mu);
  expect_shape(op, "logvar", logvar, mu.shape);
  expect_shape(op, "dmu", dmu, mu.shape);
  expect_shape(op, "dlogvar", dlogvar, mu.shape);
  expect_shape(op, "weight", weight, {1});
  const uint32_t n = static_cast<uint32_t>(mu.numel());
  enc.dispatch({"kl_backward", 5, 4, {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, accumulate)}},
               {mu, logvar, weight, dmu, dlogvar}, n, vk::linear_groups(n, kLocal));
}

void reduce_sum(Encoder& enc, const Tensor& y, const Tensor& x, float scale, bool accumulate) {
  const std::string op = "reduce_sum";
  expect_positive(op, {x.numel()});
  expect_shape(op, "x", x, x.shape);
  expect_shape(op, "y", y, {1});
  const uint32_t n = static_cast<uint32_t>(x.numel());
  enc.dispatch({"reduce_sum", 2, sizeof(ReducePush), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, accumulate)}},
               {x, y}, ReducePush{n, scale, n}, {1});
}

}  // namespace vkvae::ops
