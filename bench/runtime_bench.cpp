// Costs of the Vulkan runtime itself: pipeline creation with and without a warm cache, an
// empty dispatch (independent, and behind a barrier), and one submit + fence wait.
//
//   build/bench/vkvae_runtime_bench [--benchmark_repetitions=5 --benchmark_report_aggregates_only]
//   VKVAE_BENCH_DEVICE=N|NAME picks the device (default: the best one). No validation.
#include <benchmark/benchmark.h>

#include <memory>

#include "bench_context.hpp"
#include "vk/context.hpp"
#include "vk/timestamps.hpp"

namespace {

using namespace vkvae::vk;

Context& context() {
  static std::unique_ptr<Context> context = std::make_unique<Context>(vkvae::bench::context_options());
  return *context;
}

PipelineDesc axpy_desc() {
  return {"axpy", 2, 8, {SpecConstant::u32(0, 64), SpecConstant::u32(1, 4)}};
}

// A fresh, empty VkPipelineCache each time: the driver compiles from SPIR-V.
void BM_PipelineCreateCold(benchmark::State& state) {
  for (auto _ : state) {
    PipelineCache cold(context().device(), "");
    ComputePipeline pipeline(context().device(), cold, axpy_desc());
    benchmark::DoNotOptimize(pipeline.handle());
  }
}
BENCHMARK(BM_PipelineCreateCold)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same pipeline again from a cache that already holds it.
void BM_PipelineCreateWarm(benchmark::State& state) {
  PipelineCache warm(context().device(), "");
  { ComputePipeline first(context().device(), warm, axpy_desc()); }
  for (auto _ : state) {
    ComputePipeline pipeline(context().device(), warm, axpy_desc());
    benchmark::DoNotOptimize(pipeline.handle());
  }
}
BENCHMARK(BM_PipelineCreateWarm)->Unit(benchmark::kMicrosecond)->UseRealTime();

// `count` dispatches of one workgroup that write nothing (n = 0), optionally each behind a
// compute→compute barrier as dependent ops are. Reports host time per dispatch (recording +
// submit + wait, amortised) and GPU time per dispatch from timestamps.
void empty_dispatches(benchmark::State& state, bool barriers) {
  const uint32_t count = static_cast<uint32_t>(state.range(0));
  Context& ctx = context();
  Buffer y = ctx.buffer(256);
  ComputePipeline fill = ctx.pipeline({"fill", 1, 8, {SpecConstant::u32(0, 64)}});
  const bool timestamps = ctx.info().timestamps;
  std::unique_ptr<TimestampQueries> queries;
  if (timestamps) queries = std::make_unique<TimestampQueries>(ctx.device(), 2);
  CommandBuffer commands = ctx.commands();
  commands.begin(CommandBuffer::Use::kReplay);
  if (timestamps) {
    commands.reset_queries(*queries, 0, 2);
    commands.write_timestamp(*queries, 0);
  }
  const uint32_t push[2] = {0, 0};
  for (uint32_t i = 0; i < count; ++i) {
    if (barriers) commands.barrier(kComputeWrite, kComputeWrite);
    commands.dispatch(fill, {{&y}}, push, {1});
  }
  if (timestamps) commands.write_timestamp(*queries, 1);
  commands.end();

  double gpu_ns = 0;
  for (auto _ : state) {
    ctx.submit_and_wait(commands);
    if (timestamps) {
      const auto ns = queries->read_ns(0, 2);
      gpu_ns += ns[1] - ns[0];
    }
  }
  const double iterations = static_cast<double>(state.iterations());
  state.counters["us_per_dispatch"] =
      benchmark::Counter(iterations * count, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (timestamps) state.counters["gpu_us_per_dispatch"] = gpu_ns / 1e3 / iterations / count;
}

void BM_EmptyDispatch(benchmark::State& state) { empty_dispatches(state, false); }
void BM_EmptyDispatchWithBarrier(benchmark::State& state) { empty_dispatches(state, true); }
BENCHMARK(BM_EmptyDispatch)->Arg(1)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_EmptyDispatchWithBarrier)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// An empty command buffer: the floor of one submit + fence wait round trip.
void BM_SubmitWait(benchmark::State& state) {
  CommandBuffer commands = context().commands();
  commands.begin(CommandBuffer::Use::kReplay);
  commands.end();
  for (auto _ : state) context().submit_and_wait(commands);
}
BENCHMARK(BM_SubmitWait)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
