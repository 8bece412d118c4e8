// Bad input to every op family: a clear vkvae::Error naming the op before anything reaches the
// GPU (no dispatch is recorded).
#include <functional>

#include "ops/activation.hpp"
#include "ops/conv.hpp"
#include "ops/data.hpp"
#include "ops/image.hpp"
#include "ops/linear.hpp"
#include "ops/loss.hpp"
#include "ops/op_harness.hpp"
#include "ops/optimizer.hpp"
#include "ops/reparameterize.hpp"
#include "ops/step_bookkeeping.hpp"
#include "util/error.hpp"

namespace vkvae::test {
namespace {

class OpErrors : public VulkanTest {};

TEST_F(OpErrors, EveryFamilyRefusesBadInputWithAMessageNamingTheOp) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  vk::CommandBuffer commands = context().commands();
  commands.begin();
  ops::Encoder enc(kernels, commands);
  using ops::DType;
  const auto f = [&](const ops::Shape& s) { return store.make(s); };
  const auto u32 = [&](const ops::Shape& s) { return store.make(s, DType::u32); };
  const auto u8 = [&](const ops::Shape& s) { return store.make(s, DType::u8); };
  const ops::Tensor a = f({3, 5}), b = f({3, 5}), wrong = f({3, 4}), one = f({1}), two = f({2}), per_row = f({3});
  const ops::Tensor rng = u32({4}), step = u32({1}), flag = u32({1});

  struct Case {
    const char* op;  // the message must start with it
    std::function<void()> call;
  };
  const std::vector<Case> cases = {
      {"activation_forward elu(0)", [&] { ops::activation_forward(enc, b, a, {ops::Activation::elu, 0.0f}); }},
      {"activation_backward relu", [&] { ops::activation_backward(enc, b, a, wrong, {ops::Activation::relu}); }},
      {"recon_loss_forward bce_with_logits", [&] { ops::recon_loss_forward(enc, ops::ReconLoss::bce_with_logits, per_row, a, wrong); }},
      {"recon_loss_backward squared_error", [&] { ops::recon_loss_backward(enc, ops::ReconLoss::squared_error, b, a, a, two); }},
      {"kl_forward", [&] { ops::kl_forward(enc, per_row, a, wrong); }},
      {"kl_backward", [&] { ops::kl_backward(enc, b, b, a, a, per_row); }},
      {"reduce_sum", [&] { ops::reduce_sum(enc, two, a); }},
      {"random_normal", [&] { ops::random_normal(enc, a, f({4}), ops::RngStream::prior); }},
      {"reparameterize_forward", [&] { ops::reparameterize_forward(enc, b, wrong, a, a, rng); }},
      {"reparameterize_backward", [&] { ops::reparameterize_backward(enc, b, b, a, wrong, a); }},
      {"adam_step", [&] { ops::optimizer_step(enc, ops::OptimizerKind::adam, {a, b, b, b, two, step, one, flag}); }},
      {"sgd_step", [&] { ops::optimizer_step(enc, ops::OptimizerKind::sgd, {f({15}), f({15}), f({14}), f({15}), f({8}), step, one, flag}); }},
      {"grad_norm_sq", [&] { ops::grad_norm_sq(enc, one, a, f({10})); }},
      {"step_bookkeeping", [&] { ops::step_bookkeeping(enc, {a, flag, 1, {per_row}, two, step, rng, step, 3}); }},
      {"step_bookkeeping", [&] { ops::step_bookkeeping(enc, {ops::Tensor{}, flag, 1, {}, one, step, rng, step, 3, false}); }},
      {"step_bookkeeping", [&] { ops::step_bookkeeping(enc, {a, flag, 1, {per_row, per_row, per_row, per_row, per_row}, one, step, rng, step, 3}); }},
      {"gather_images", [&] { ops::gather_images(enc, f({9, 5}), u8({8, 5}), u32({8}), step, rng, false); }},
      {"gather_images", [&] { ops::gather_images(enc, a, u8({8, 6}), u32({8}), step, rng, false); }},
      {"gather_one_hot", [&] { ops::gather_one_hot(enc, f({3, 10}), u8({8}), u32({7}), step); }},
      {"concat_features", [&] { ops::concat_features(enc, f({3, 10}), a, wrong); }},
      {"concat_features", [&] { ops::concat_features(enc, f({4, 9}), f({4, 5}), wrong); }},
      {"slice_columns", [&] { ops::slice_columns(enc, f({3, 3}), a, 3); }},
      {"scale", [&] { ops::scale(enc, b, wrong); }},
      {"axpy", [&] { ops::axpy(enc, b, 1.0f, wrong); }},
      {"fill", [&] { ops::fill(enc, u32({3}), 1.0f); }},
      {"advance_counters", [&] { ops::advance_counters(enc, step, f({4}), step, 3); }},
      {"linear_backward_input", [&] { ops::linear_backward_input(enc, a, f({3, 6}), f({7, 5})); }},
      // A gate must have the input gradient's shape, and a valid activation.
      {"linear_backward_input", [&] { const ops::ActivationGate gate{wrong, {ops::Activation::relu}}; ops::linear_backward_input(enc, a, f({3, 7}), f({7, 5}), false, &gate); }},
      {"linear_backward_input", [&] { const ops::ActivationGate gate{b, {ops::Activation::elu, 0.0f}}; ops::linear_backward_input(enc, a, f({3, 7}), f({7, 5}), false, &gate); }},
      {"conv2d_backward_input", [&] { const ops::ActivationGate gate{f({3, 2, 9, 9}), {ops::Activation::relu}}; ops::conv2d_backward_input(enc, f({3, 2, 9, 8}), f({3, 3, 5, 4}), f({3, 2, 3, 3}), {2, 1, 0}, false, &gate); }},
      {"linear_backward_weight", [&] { const ops::Tensor db = f({6}); ops::linear_backward_weight(enc, f({7, 5}), f({3, 7}), a, false, &db); }},
      {"sum_outer_inner", [&] { const ops::OuterInnerSum second{two, a, 3, 5, 2}; ops::sum_outer_inner(enc, {per_row, a, 5, 3, 1}, &second, false); }},
      {"linear_backward_weight", [&] { ops::linear_backward_weight(enc, f({7, 5}), f({3, 7}), wrong); }},
      // 67 images of 28×28 split the weight gradient, which then needs a workspace.
      {"conv2d_backward_weight", [&] { ops::conv2d_backward_weight(enc, f({8, 1, 3, 3}), f({67, 8, 14, 14}), f({67, 1, 28, 28}), {2, 1, 0}, nullptr); }},
      {"conv_transpose2d_backward_input", [&] { ops::conv_transpose2d_backward_input(enc, f({3, 4, 7, 7}), f({3, 2, 13, 13}), f({4, 2, 3, 3}), {2, 1, 1}); }},
      {"image_grid", [&] { ops::image_grid(enc, u32({100}), f({2, 2, 4, 4}), {}, true); }},
      {"image_grid", [&] { ops::image_grid(enc, u32({100}), f({2, 1, 4, 4}), {}, true); }},
  };
  for (const Case& c : cases) {
    try {
      c.call();
      ADD_FAILURE() << c.op << ": bad input accepted";
    } catch (const vkvae::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string(c.op) + ": ", 0), 0u) << e.what();
    }
    EXPECT_EQ(commands.dispatches(), 0u) << c.op << " recorded work before refusing";
  }
  commands.end();
}

}  // namespace
}  // namespace vkvae::test
