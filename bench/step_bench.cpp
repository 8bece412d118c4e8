// The mlp and conv VAEs' training steps (pytorch/examples' 784-400-20 and the seed conv VAE),
// recorded once and replayed, at batch 128 and 1024: dispatches and barriers per step, planned
// activation memory against the naive sum, host time per step (the submit of several steps at
// once, divided by the steps), the host's wait per step and the device's busy fraction with two
// submits in flight, as training keeps them, and training samples per second.
//
//   build/bench/vkvae_step_bench [--benchmark_filter=conv/128] [--benchmark_repetitions=3 --benchmark_report_aggregates_only]
//   VKVAE_BENCH_DEVICE=N|NAME picks the device; VKVAE_PROFILE=1 first prints per-op GPU time.
//   The data are random bytes: speed only.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <vector>

#include "bench_context.hpp"
#include "vk/timestamps.hpp"
#include "models/vae.hpp"
#include "train/step.hpp"

namespace {

using namespace vkvae;

void vae_step(benchmark::State& state, const std::string& model_name, int64_t batch) {
  constexpr int kStepsPerSubmit = 10;
  vk::Context context(bench::context_options());
  ops::Kernels kernels(context);
  models::VaeConfig config;
  config.spec = *models::builtin_spec(model_name);  // the recipe's sizes
  config.batch = batch;
  config.dataset_size = 4096;
  auto model = models::build_vae(config);
  train::StepConfig step_config;
  step_config.batch = static_cast<uint32_t>(batch);
  step_config.losses = {model->recon, model->kl};
  train::TrainStep step(context, kernels, model->graph, {model->step, model->rng, model->cursor}, step_config);
  graph::Program& p = step.program();

  std::mt19937 rng(1);
  const auto put = [&](graph::TensorId id, std::span<const std::byte> bytes) {
    const ops::Tensor t = p.tensor(id);
    context.upload(*t.buffer, t.offset, bytes);
  };
  std::vector<uint8_t> images(static_cast<std::size_t>(config.dataset_size) * 784);
  for (auto& px : images) px = static_cast<uint8_t>(rng());
  put(model->images, std::as_bytes(std::span<const uint8_t>(images)));
  std::vector<uint32_t> order(static_cast<std::size_t>(config.dataset_size));
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  put(model->order, std::as_bytes(std::span<const uint32_t>(order)));
  std::normal_distribution<float> init(0.0f, 0.02f);
  std::vector<float> params(static_cast<std::size_t>(p.parameter_arena().numel()));
  for (float& v : params) v = init(rng);
  context.upload(*p.parameter_arena().buffer, 0, std::as_bytes(std::span<const float>(params)));
  const float weights[2] = {1.0f / static_cast<float>(batch), 1.0f / static_cast<float>(batch)};
  put(model->recon_weight, std::as_bytes(std::span<const float>(weights, 1)));
  put(model->kl_weight, std::as_bytes(std::span<const float>(weights + 1, 1)));
  step.reset(1, ops::OptimizerHyper{});

  if (std::getenv("VKVAE_PROFILE") != nullptr && context.info().timestamps) {
    // One profiled step, printed before the timed runs (timestamps cost time of their own).
    vk::TimestampQueries queries(context.device(), p.stats().nodes + 1);
    vk::CommandBuffer profiled = context.commands();
    profiled.begin();
    step.record(profiled, &queries);
    profiled.end();
    context.submit_and_wait(profiled);
    std::fprintf(stderr, "%s", p.profile(p.node_times(queries)).c_str());
  }
  vk::CommandBuffer commands = context.commands();
  commands.begin(vk::CommandBuffer::Use::kReplay);
  step.record(commands);
  commands.end();

  // Submits of kStepsPerSubmit steps, two in flight as training keeps them (train/replica.hpp),
  // each between the timestamps of its slot: the device's busy fraction is their time over the
  // wall time, and the host's wait what it spends blocked on the submit two back.
  using Clock = std::chrono::steady_clock;
  constexpr uint32_t kInFlight = 2;
  // A device without timestamps gets no busy fraction.
  const bool timed = context.info().timestamps;
  std::optional<vk::TimestampQueries> stamps;
  if (timed) stamps.emplace(context.device(), 2 * kInFlight);
  std::vector<vk::CommandBuffer> opens, closes;
  for (uint32_t slot = 0; timed && slot < kInFlight; ++slot) {
    opens.push_back(context.commands());
    opens.back().begin(vk::CommandBuffer::Use::kReplay);
    opens.back().reset_queries(*stamps, 2 * slot, 2);
    opens.back().write_timestamp(*stamps, 2 * slot);
    opens.back().end();
    closes.push_back(context.commands());
    closes.back().begin(vk::CommandBuffer::Use::kReplay);
    closes.back().write_timestamp(*stamps, 2 * slot + 1);
    closes.back().end();
  }
  // Each slot's submit, made once: its steps between its timestamps.
  std::vector<std::vector<VkCommandBuffer>> submits(kInFlight, std::vector<VkCommandBuffer>(kStepsPerSubmit, commands.handle()));
  for (uint32_t slot = 0; timed && slot < kInFlight; ++slot) {
    submits[slot].insert(submits[slot].begin(), opens[slot].handle());
    submits[slot].push_back(closes[slot].handle());
  }
  vk::TimelineSemaphore timeline(context.device().handle());
  uint64_t submitted = 0, retired = 0;
  double host_ns = 0, wait_ns = 0, device_ns = 0;
  const auto retire = [&] {  // the oldest submit in flight: its wait and its device time
    const auto t0 = Clock::now();
    timeline.wait(++retired, context.timeout());
    wait_ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    if (!timed) return;
    const auto ns = stamps->read_ns(2 * ((retired - 1) % kInFlight), 2);
    device_ns += ns[1] - ns[0];
  };
  auto mark = Clock::now();
  const auto start = mark;
  for (auto _ : state) {
    if (submitted - retired == kInFlight) retire();  // its slot is the one reused now
    const std::vector<VkCommandBuffer>& submit = submits[submitted % kInFlight];
    const vk::SemaphoreValue signal{&timeline, ++submitted};
    const auto t0 = Clock::now();
    context.device().compute_queue().submit({.commands = submit, .signals = std::span(&signal, 1)});
    host_ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    // The run's last iteration waits for every submit, so that the iterations' times add up to
    // the wall time of all the steps.
    if (submitted == static_cast<uint64_t>(state.max_iterations)) {
      while (retired < submitted) retire();
    }
    const auto now = Clock::now();
    state.SetIterationTime(std::chrono::duration<double>(now - mark).count());
    mark = now;
  }
  const double wall_ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  const graph::ProgramStats& s = p.stats();
  const double steps = static_cast<double>(state.iterations()) * kStepsPerSubmit;
  state.counters["samples/s"] = benchmark::Counter(steps * static_cast<double>(batch), benchmark::Counter::kIsRate);
  state.counters["host_us/step"] = host_ns / 1e3 / steps;
  state.counters["host_wait_us/step"] = wait_ns / 1e3 / steps;
  if (timed) state.counters["device_busy_%"] = 100.0 * device_ns / wall_ns;
  state.counters["dispatches/step"] = commands.dispatches();
  state.counters["barriers/step"] = commands.barriers();
  state.counters["activations_MiB"] = static_cast<double>(s.activation_bytes) / (1 << 20);
  state.counters["naive_MiB"] = static_cast<double>(s.naive_activation_bytes) / (1 << 20);
}
}  // namespace

int main(int argc, char** argv) {
  for (const std::string kind : {"mlp", "conv"}) {
    for (const int64_t batch : {128, 1024}) {
      const std::string name = kind + "/" + std::to_string(batch);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) { vae_step(s, kind, batch); })
          ->Unit(benchmark::kMillisecond)
          ->UseManualTime()
          ->MinTime(2.0);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
