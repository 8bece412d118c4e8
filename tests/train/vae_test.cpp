// The seed conv VAE as graphs: training steps run with no validation error (synchronization
// validation included) and finite losses; an evaluation program bound to the training
// program's parameters, dataset and counters reproduces the step's losses bit for bit; a decode
// program bound to the same parameters draws a grid.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "models/vae.hpp"
#include "support/vulkan_test.hpp"
#include "train/step.hpp"
#include "util/error.hpp"

namespace vkvae::models {
namespace {

using graph::Program;
using graph::Role;
using graph::TensorId;

class ConvVae : public test::VulkanTest {
 protected:
  static VaeConfig small() {
    VaeConfig config;
    config.batch = 3;
    config.dataset_size = 7;
    config.binarize = true;
    return config;
  }

  void put(const Program& p, TensorId id, std::span<const std::byte> bytes) {
    const ops::Tensor t = p.tensor(id);
    context().upload(*t.buffer, t.offset, bytes);
  }
  template <typename T>
  std::vector<T> get(const Program& p, TensorId id, std::size_t count) {
    const ops::Tensor t = p.tensor(id);
    return context().download<T>(*t.buffer, count, t.offset);
  }

  // A training step over the small model with data, parameters, weights and counters set.
  std::unique_ptr<train::TrainStep> trained_step(ops::Kernels& kernels, VaeGraph& model) {
    train::StepConfig step_config;
    step_config.batch = 3;
    step_config.losses = {model.recon, model.kl};
    auto step = std::make_unique<train::TrainStep>(context(), kernels, model.graph,
                                                   train::StepCounters{model.step, model.rng, model.cursor}, step_config);
    Program& p = step->program();
    std::mt19937 rng(5);
    std::vector<uint8_t> images(7 * 784);
    for (auto& px : images) px = static_cast<uint8_t>(rng());
    put(p, model.images, std::as_bytes(std::span<const uint8_t>(images)));
    const uint32_t order[7] = {6, 2, 4, 0, 1, 5, 3};
    put(p, model.order, std::as_bytes(std::span<const uint32_t>(order)));
    std::normal_distribution<float> init(0.0f, 0.05f);
    std::vector<float> params(static_cast<std::size_t>(p.parameter_arena().numel()));
    for (float& v : params) v = init(rng);
    context().upload(*p.parameter_arena().buffer, 0, std::as_bytes(std::span<const float>(params)));
    const float weight = 1.0f / 3.0f;
    put(p, model.recon_weight, std::as_bytes(std::span<const float, 1>(&weight, 1)));
    put(p, model.kl_weight, std::as_bytes(std::span<const float, 1>(&weight, 1)));
    step->reset(9, ops::OptimizerHyper{});
    return step;
  }

  void run(const std::function<void(vk::CommandBuffer&)>& record) {
    vk::CommandBuffer commands = context().commands();
    commands.begin();
    record(commands);
    commands.end();
    context().submit_and_wait(commands);
  }
};

TEST_F(ConvVae, TrainsAFewStepsCleanly) {
  auto model = build_vae(small());
  EXPECT_EQ(model->parameters.size(), 18u);
  ops::Kernels kernels(context());
  auto step = trained_step(kernels, *model);
  Program& p = step->program();
  EXPECT_LT(p.stats().activation_bytes, p.stats().naive_activation_bytes);
  vk::CommandBuffer commands = context().commands();
  commands.begin(vk::CommandBuffer::Use::kReplay);
  step->record(commands);
  commands.end();
  for (int s = 0; s < 3; ++s) context().submit_and_wait(commands);

  const auto sum = [&](std::size_t term) {
    const ops::Tensor t = step->metric_sum(0, term);
    return context().download<float>(*t.buffer, 1, t.offset)[0];
  };
  const float recon = sum(0), kl = sum(1);
  EXPECT_TRUE(std::isfinite(recon) && recon > 0.0f) << recon;  // 3 steps × 3 examples of BCE over 784 pixels
  EXPECT_TRUE(std::isfinite(kl) && kl >= 0.0f) << kl;
  EXPECT_EQ(get<uint32_t>(p, step->nonfinite(), 1)[0], 0u);
}

TEST_F(ConvVae, EvaluationProgramSharesTheTrainingStateAndReproducesItsLosses) {
  auto model = build_vae(small());
  ops::Kernels kernels(context());
  auto step = trained_step(kernels, *model);
  Program& train = step->program();

  auto eval_model = build_vae(small());
  const auto bindings = graph::bind_by_name(eval_model->graph, train, model->graph, {Role::parameter, Role::input, Role::state});
  EXPECT_EQ(bindings.size(), 18u + 2 + 5);  // parameters, dataset and order, weights and counters
  Program eval(context(), kernels, eval_model->graph, {eval_model->recon, eval_model->kl}, bindings);
  EXPECT_EQ(eval.stats().parameter_bytes, 0u);  // it owns no parameters

  run([&](vk::CommandBuffer& c) { eval.record(c); });
  const auto recon_eval = get<float>(eval, eval_model->recon, 3);
  const auto kl_eval = get<float>(eval, eval_model->kl, 3);
  EXPECT_EQ(get<uint32_t>(train, model->cursor, 1)[0], 0u);  // evaluation advances nothing

  run([&](vk::CommandBuffer& c) { step->record(c); });  // same batch, noise and parameters
  EXPECT_EQ(get<float>(train, model->recon, 3), recon_eval);
  EXPECT_EQ(get<float>(train, model->kl, 3), kl_eval);
  EXPECT_EQ(get<uint32_t>(train, model->cursor, 1)[0], 3u);
}

TEST_F(ConvVae, DecodeProgramDrawsAGridFromTheTrainingParameters) {
  auto model = build_vae(small());
  ops::Kernels kernels(context());
  auto step = trained_step(kernels, *model);
  auto decode = build_decoder(small(), 10);
  Program program(context(), kernels, decode->graph, {decode->grid},
                  graph::bind_by_name(decode->graph, step->program(), model->graph, {Role::parameter}));
  std::vector<float> z(10 * 16);
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (float& v : z) v = normal(rng);
  put(program, decode->z, std::as_bytes(std::span<const float>(z)));
  run([&](vk::CommandBuffer& c) { program.record(c); });

  const ops::GridSize size = decode->grid_size;
  EXPECT_EQ(size.width, 8u * 30 + 2);
  EXPECT_EQ(size.height, 2u * 30 + 2);
  const auto grid = get<uint32_t>(program, decode->grid, static_cast<std::size_t>(size.width) * size.height);
  EXPECT_EQ(grid[0], 0xFF000000u);  // padding: opaque black
  // Tiles are not flat, and different z decode to different tiles (an untrained decoder's
  // logits sit near 0, so only a few grey levels appear).
  std::set<uint32_t> tile_pixels;
  bool tiles_differ = false;
  for (uint32_t y = 2; y < 30; ++y) {
    for (uint32_t x = 2; x < 30; ++x) {
      tile_pixels.insert(grid[y * size.width + x]);
      tiles_differ = tiles_differ || grid[y * size.width + x] != grid[y * size.width + x + 30];
    }
  }
  EXPECT_GT(tile_pixels.size(), 1u);
  EXPECT_TRUE(tiles_differ);
  EXPECT_THROW(graph::bind_by_name(decode->graph, step->program(), model->graph, {Role::input}), Error);  // no 'z' there
  // Activations cannot live in another program's memory.
  EXPECT_THROW(Program(context(), kernels, decode->graph, {}, {{decode->logits, step->program().tensor(model->recon_weight)}}),
               Error);
  // A training step needs a loss.
  auto no_loss = build_vae(small());
  EXPECT_THROW(train::TrainStep(context(), kernels, no_loss->graph, {no_loss->step, no_loss->rng, no_loss->cursor}, {}), Error);
}

}  // namespace
}  // namespace vkvae::models
