// The seed conv VAE as a graph: it builds, compiles with shared activation memory, and a few
// replayed training steps run with no validation error (synchronization validation included)
// and finite, positive losses.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "models/conv_vae.hpp"
#include "ops/random.hpp"
#include "support/vulkan_test.hpp"
#include "train/step.hpp"

namespace vkvae::models {
namespace {

class ConvVae : public test::VulkanTest {};

TEST_F(ConvVae, TrainsAFewStepsCleanly) {
  ConvVaeConfig config;
  config.batch = 3;
  config.dataset_size = 7;
  config.binarize = true;
  auto model = build_conv_vae(config);
  EXPECT_EQ(model->parameters.size(), 18u);
  ops::Kernels kernels(context());
  train::StepConfig step_config;
  step_config.batch = 3;
  step_config.losses = {model->recon, model->kl};
  train::TrainStep step(context(), kernels, model->graph, {model->step, model->rng, model->cursor}, step_config);
  graph::Program& p = step.program();
  EXPECT_LT(p.stats().activation_bytes, p.stats().naive_activation_bytes);

  std::mt19937 rng(5);
  const auto put = [&](graph::TensorId id, std::span<const std::byte> bytes) {
    const ops::Tensor t = p.tensor(id);
    context().upload(*t.buffer, t.offset, bytes);
  };
  std::vector<uint8_t> images(7 * 784);
  for (auto& px : images) px = static_cast<uint8_t>(rng());
  put(model->images, std::as_bytes(std::span<const uint8_t>(images)));
  const uint32_t order[7] = {6, 2, 4, 0, 1, 5, 3};
  put(model->order, std::as_bytes(std::span<const uint32_t>(order)));
  std::normal_distribution<float> init(0.0f, 0.05f);
  std::vector<float> params(static_cast<std::size_t>(p.parameter_arena().numel()));
  for (float& v : params) v = init(rng);
  context().upload(*p.parameter_arena().buffer, 0, std::as_bytes(std::span<const float>(params)));
  const float weight = 1.0f / 3.0f;
  put(model->recon_weight, std::as_bytes(std::span<const float, 1>(&weight, 1)));
  put(model->kl_weight, std::as_bytes(std::span<const float, 1>(&weight, 1)));
  const ops::RngState seed = ops::RngState::from(9, 0);
  put(model->rng, std::as_bytes(std::span<const ops::RngState, 1>(&seed, 1)));
  const uint32_t zero = 0;
  for (graph::TensorId t : {model->step, model->cursor, step.nonfinite()}) put(t, std::as_bytes(std::span<const uint32_t, 1>(&zero, 1)));
  for (graph::TensorId t : step.metrics()) put(t, std::as_bytes(std::span<const uint32_t, 1>(&zero, 1)));
  const ops::OptimizerHyper hyper;
  put(step.hyper(), std::as_bytes(std::span<const ops::OptimizerHyper, 1>(&hyper, 1)));

  vk::CommandBuffer commands = context().commands();
  commands.begin(vk::CommandBuffer::Use::kReplay);
  step.record(commands);
  commands.end();
  for (int s = 0; s < 3; ++s) context().submit_and_wait(commands);

  const auto value = [&](graph::TensorId id) { return context().download<float>(*p.tensor(id).buffer, 1, p.tensor(id).offset)[0]; };
  const float recon = value(step.metrics()[0]), kl = value(step.metrics()[1]);
  EXPECT_TRUE(std::isfinite(recon) && recon > 0.0f) << recon;  // 3 steps × 3 examples of BCE over 784 pixels
  EXPECT_TRUE(std::isfinite(kl) && kl >= 0.0f) << kl;
  EXPECT_EQ(context().download<uint32_t>(*p.tensor(step.nonfinite()).buffer, 1, p.tensor(step.nonfinite()).offset)[0], 0u);
}

}  // namespace
}  // namespace vkvae::models
