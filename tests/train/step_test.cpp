// A training step recorded once and replayed: the device advances the step, the RNG and the
// batch cursor by itself, and replaying one recording, re-recording every step, or queueing all
// steps behind a timeline semaphore with a single host wait give the same bits.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "nn/layers.hpp"
#include "support/vulkan_test.hpp"
#include "train/metrics.hpp"
#include "train/step.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

using graph::Graph;
using graph::TensorId;

constexpr int kImages = 10, kPixels = 6, kBatch = 4;

// A tiny VAE fed by the device-side batch gatherer.
struct TinyVae {
  Graph g;
  TensorId images, order, weight;
  StepCounters counters;
  std::vector<TensorId> params, losses;

  TinyVae() {
    images = g.input("images", {kImages, kPixels}, ops::DType::u8);
    order = g.input("order", {kImages}, ops::DType::u32);
    counters = {g.state("step", {1}, ops::DType::u32), g.state("rng", {4}, ops::DType::u32),
                g.state("cursor", {1}, ops::DType::u32)};
    weight = g.state("weight", {1});
    const TensorId x = nn::gather_images(g, images, order, counters.cursor, counters.rng, kBatch, /*binarize=*/true, "x");
    params = {g.parameter("we", {5, kPixels}), g.parameter("be", {5}), g.parameter("wm", {2, 5}),
              g.parameter("wv", {2, 5}), g.parameter("wd", {kPixels, 2}), g.parameter("bd", {kPixels})};
    const TensorId h = nn::linear(g, x, params[0], params[1], {ops::Activation::relu});
    const TensorId mu = nn::linear(g, h, params[2], TensorId{}), logvar = nn::linear(g, h, params[3], TensorId{});
    const TensorId z = nn::reparameterize(g, mu, logvar, counters.rng);
    const TensorId logits = nn::linear(g, z, params[4], params[5]);
    losses = {nn::recon_loss(g, ops::ReconLoss::bce_with_logits, logits, x, weight, "recon"),
              nn::kl_divergence(g, mu, logvar, weight, "kl")};
  }
};

class StepReplay : public test::VulkanTest {
 protected:
  // A fresh model and step, initialised identically every time.
  struct Run {
    TinyVae model;
    std::unique_ptr<TrainStep> step;
  };

  std::unique_ptr<Run> start(ops::Kernels& kernels) {
    auto run = std::make_unique<Run>();
    StepConfig config;
    config.batch = kBatch;
    config.losses = run->model.losses;
    config.options.clip = true;
    run->step = std::make_unique<TrainStep>(context(), kernels, run->model.g, run->model.counters, config);
    graph::Program& p = run->step->program();
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
    for (TensorId param : run->model.params) {
      std::vector<float> v(static_cast<std::size_t>(run->model.g.info(param).shape.numel()));
      for (float& e : v) e = dist(rng);
      put(p.tensor(param), std::as_bytes(std::span<const float>(v)));
    }
    std::vector<uint8_t> pixels(kImages * kPixels);
    for (auto& px : pixels) px = static_cast<uint8_t>(rng() % 256);
    put(p.tensor(run->model.images), std::as_bytes(std::span<const uint8_t>(pixels)));
    const uint32_t order[kImages] = {3, 7, 1, 9, 0, 2, 8, 5, 4, 6};
    put(p.tensor(run->model.order), std::as_bytes(std::span<const uint32_t>(order)));
    const float w = 1.0f / kBatch;
    put(p.tensor(run->model.weight), std::as_bytes(std::span<const float, 1>(&w, 1)));
    ops::OptimizerHyper hyper;
    hyper.lr = 0.01f;
    hyper.max_grad_norm = 5.0f;
    run->step->reset(42, hyper);
    return run;
  }

  void put(const ops::Tensor& t, std::span<const std::byte> bytes) { context().upload(*t.buffer, t.offset, bytes); }

  // The run's step recorded once, for replay.
  vk::CommandBuffer recorded(Run& run) {
    vk::CommandBuffer commands = context().commands();
    commands.begin(vk::CommandBuffer::Use::kReplay);
    run.step->record(commands);
    commands.end();
    return commands;
  }

  std::vector<std::byte> get(const ops::Tensor& t) {
    std::vector<std::byte> bytes(t.bytes());
    context().download(*t.buffer, t.offset, bytes);
    return bytes;
  }

  static constexpr int kSteps = 5;
};

TEST_F(StepReplay, ReplayReRecordAndQueuedSubmitsGiveTheSameBits) {
  ops::Kernels kernels(context());

  auto replayed = start(kernels);
  vk::CommandBuffer once = recorded(*replayed);
  const std::vector<std::byte> before = get(replayed->step->program().parameter_arena());
  for (int s = 0; s < kSteps; ++s) context().submit_and_wait(once);
  const std::vector<std::byte> a = get(replayed->step->program().parameter_arena());
  EXPECT_NE(a, before) << "training changed nothing";

  auto rerecorded = start(kernels);
  for (int s = 0; s < kSteps; ++s) {
    vk::CommandBuffer fresh = context().commands();
    fresh.begin();
    rerecorded->step->record(fresh);
    fresh.end();
    context().submit_and_wait(fresh);
  }
  EXPECT_EQ(get(rerecorded->step->program().parameter_arena()), a);

  auto queued = start(kernels);
  vk::CommandBuffer replay = recorded(*queued);
  vk::TimelineSemaphore timeline(context().device().handle());
  const VkCommandBuffer handle = replay.handle();
  for (uint64_t s = 1; s <= kSteps; ++s) {
    const vk::SemaphoreValue wait{&timeline, s - 1}, signal{&timeline, s};
    context().device().compute_queue().submit({.commands = {&handle, 1}, .waits = {&wait, 1}, .signals = {&signal, 1}});
  }
  timeline.wait(kSteps, context().timeout());
  EXPECT_EQ(get(queued->step->program().parameter_arena()), a);

  // All five steps in one submission: the same command buffer listed five times.
  auto batched = start(kernels);
  vk::CommandBuffer many = recorded(*batched);
  const std::vector<VkCommandBuffer> five(kSteps, many.handle());
  vk::Fence done(context().device().handle());
  context().device().compute_queue().submit({.commands = five, .fence = &done});
  done.wait(context().timeout());
  EXPECT_EQ(get(batched->step->program().parameter_arena()), a);

  // The device advanced its own counters.
  graph::Program& p = queued->step->program();
  const auto word = [&](TensorId t, std::size_t i) {
    const auto bytes = get(p.tensor(t));
    uint32_t v;
    std::memcpy(&v, bytes.data() + 4 * i, 4);
    return v;
  };
  EXPECT_EQ(word(queued->model.counters.step, 0), static_cast<uint32_t>(kSteps));
  EXPECT_EQ(word(queued->model.counters.rng, 2), static_cast<uint32_t>(kSteps));  // step low word
  EXPECT_EQ(word(queued->model.counters.rng, 0), 42u);                             // seed untouched
  EXPECT_EQ(word(queued->model.counters.cursor, 0), static_cast<uint32_t>(kSteps * kBatch));
  EXPECT_EQ(word(queued->step->nonfinite(), 0), 0u);
  float recon_sum;
  const auto bytes = get(queued->step->metric_sum(0, 0));
  std::memcpy(&recon_sum, bytes.data(), 4);
  EXPECT_GT(recon_sum, 0.0f);  // Σ over 5 steps × 4 examples of a positive loss
}

TEST_F(StepReplay, MetricsAreReadEveryFewStepsWithoutWaitingOnSteps) {
  ops::Kernels kernels(context());
  const auto sums = [&](Run& run) {
    std::vector<float> values;
    for (std::size_t term = 0; term < 2; ++term) {
      const auto bytes = get(run.step->metric_sum(0, term));
      float v;
      std::memcpy(&v, bytes.data(), 4);
      values.push_back(v);
    }
    return values;
  };

  // Four steps with the sums read at the end.
  auto plain = start(kernels);
  vk::CommandBuffer step = recorded(*plain);
  for (int s = 0; s < 4; ++s) context().submit_and_wait(step);
  const std::vector<float> total = sums(*plain);

  // The same four steps, snapshotting the sums after every two, with one host wait at the end.
  auto snapshotted = start(kernels);
  vk::CommandBuffer replay = recorded(*snapshotted);
  std::vector<ops::Tensor> devices;
  for (std::size_t term = 0; term < 2; ++term) devices.push_back(snapshotted->step->metric_sum(0, term));
  MetricsReadback readback(context(), devices, 2);
  vk::TimelineSemaphore timeline(context().device().handle());
  for (uint32_t slot = 0; slot < 2; ++slot) {
    const VkCommandBuffer work[3] = {replay.handle(), replay.handle(), readback.snapshot(slot).handle()};
    const vk::SemaphoreValue wait{&timeline, slot}, signal{&timeline, slot + 1};
    context().device().compute_queue().submit({.commands = work, .waits = {&wait, 1}, .signals = {&signal, 1}});
  }
  timeline.wait(2, context().timeout());
  const std::vector<float> first = readback.read(0), second = readback.read(1);
  ASSERT_EQ(first.size(), total.size());
  for (std::size_t i = 0; i < total.size(); ++i) {
    EXPECT_GT(first[i], 0.0f);
    EXPECT_GT(second[i], 0.0f);
    EXPECT_NEAR(first[i] + second[i], total[i], 1e-5f * total[i]);  // (s1+s2)+(s3+s4) vs s1+s2+s3+s4
  }
  EXPECT_EQ(sums(*snapshotted), std::vector<float>(total.size(), 0.0f));  // zeroed by the last snapshot
  EXPECT_EQ(get(snapshotted->step->program().parameter_arena()), get(plain->step->program().parameter_arena()));
}

TEST_F(StepReplay, ProfileTimesEveryNode) {
  if (!context().info().timestamps) GTEST_SKIP() << "device has no compute timestamps";
  ops::Kernels kernels(context());
  auto run = start(kernels);
  graph::Program& p = run->step->program();
  vk::TimestampQueries queries(context().device(), p.stats().nodes + 1);
  vk::CommandBuffer commands = context().commands();
  commands.begin();
  run->step->record(commands, &queries);
  commands.end();
  context().submit_and_wait(commands);
  const auto times = p.node_times(queries);
  ASSERT_EQ(times.size(), p.stats().nodes);
  for (const auto& t : times) EXPECT_GE(t.gpu_us, 0.0) << t.op;
  const std::string table = p.profile(times);
  EXPECT_NE(table.find("nodes " + std::to_string(p.stats().nodes) + ", dispatches"), std::string::npos) << table;
  EXPECT_NE(table.find("gather_images binarized"), std::string::npos) << table;
  EXPECT_NE(table.find("linear_weight_grad"), std::string::npos) << table;
  vk::TimestampQueries too_few(context().device(), 2);
  vk::CommandBuffer again = context().commands();
  again.begin();
  EXPECT_THROW(run->step->record(again, &too_few), Error);
  again.end();
}

TEST_F(StepReplay, ProgramStatsCountDispatchesAndBarriers) {
  ops::Kernels kernels(context());
  auto run = start(kernels);
  vk::CommandBuffer commands = context().commands();
  commands.begin();
  run->step->record(commands);
  commands.end();
  const graph::ProgramStats& s = run->step->program().stats();
  EXPECT_EQ(s.dispatches, s.nodes);  // every node of this model records one dispatch
  EXPECT_GE(s.barriers, 3u);
  EXPECT_LT(s.barriers, s.nodes);    // independent nodes share levels
  EXPECT_LE(s.activation_bytes, s.naive_activation_bytes);
  EXPECT_GT(commands.dispatches(), s.dispatches);  // plus norm, checks, metrics, counters, optimizer
}

}  // namespace
}  // namespace vkvae::train
