// Every op of VAE training at the seed models' shapes, timed on the GPU with timestamps.
// Reports GPU time per op and GFLOP/s (matrix and convolution ops) or GB/s (the rest).
//
//   build/bench/vkvae_ops_bench [--benchmark_filter=conv] [--benchmark_repetitions=3]
//   VKVAE_BENCH_DEVICE=N|NAME picks the device (default: the best one). No validation.
//   VKVAE_BENCH_NARROW_TILES=0: the GPU profile without its narrow shared-memory block shapes.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <random>

#include "bench_context.hpp"
#include "ops/conv.hpp"
#include "ops/data.hpp"
#include "ops/linear.hpp"
#include "ops/loss.hpp"
#include "ops/optimizer.hpp"
#include "ops/reparameterize.hpp"
#include "vk/context.hpp"
#include "vk/timestamps.hpp"

namespace {

using namespace vkvae;

struct Bench {
  vk::Context context;
  ops::Kernels kernels;
  std::deque<vk::Buffer> buffers;

  explicit Bench(const vk::ContextOptions& options) : context(options), kernels(context, profile(context)) {}

  // The device's profile, its narrow shared-memory shapes off under VKVAE_BENCH_NARROW_TILES=0.
  static ops::KernelProfile profile(const vk::Context& context) {
    ops::KernelProfile p = ops::kernel_profile(context.info(), ops::kernels_from_environment());
    p.narrow_tiles = narrow_tiles_from_environment();
    return p;
  }

  // VKVAE_BENCH_NARROW_TILES=0|1 (default 1), so that bench/gpu.sh can time the one-channel
  // layers both ways on a GPU; another value ends the program with one line.
  static bool narrow_tiles_from_environment() {
    const char* narrow = std::getenv("VKVAE_BENCH_NARROW_TILES");
    const std::string value = narrow != nullptr ? narrow : "";
    if (value.empty() || value == "1") return true;
    if (value == "0") return false;
    std::fprintf(stderr, "vkvae_ops_bench: error: VKVAE_BENCH_NARROW_TILES=%s: use 0 (register kernels) or 1 (the default)\n",
                 value.c_str());
    std::exit(2);
  }

  ops::Tensor tensor(const ops::Shape& shape, ops::DType dtype = ops::DType::f32) {
    ops::Tensor t{nullptr, 0, shape, dtype};
    buffers.push_back(context.buffer(t.bytes()));
    std::vector<float> values(static_cast<std::size_t>(t.bytes() / 4));
    std::mt19937 rng(static_cast<unsigned>(buffers.size()));
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (float& v : values) v = dtype == ops::DType::f32 ? dist(rng) : 0.0f;
    context.upload(buffers.back(), std::span<const float>(values));
    t.buffer = &buffers.back();
    return t;
  }
};

Bench& bench() {
  static std::unique_ptr<Bench> b = std::make_unique<Bench>(vkvae::bench::context_options());
  return *b;
}

// Records `op` kRepeat times between two timestamps and reports the GPU time of one.
constexpr int kRepeat = 5;
void run(benchmark::State& state, const std::function<void(ops::Encoder&)>& op, double flops, double bytes) {
  Bench& b = bench();
  vk::TimestampQueries queries(b.context.device(), 2);
  vk::CommandBuffer commands = b.context.commands();
  commands.begin(vk::CommandBuffer::Use::kReplay);
  commands.reset_queries(queries, 0, 2);
  commands.write_timestamp(queries, 0);
  ops::Encoder enc(b.kernels, commands);
  for (int i = 0; i < kRepeat; ++i) {
    op(enc);
    enc.barrier();  // like a training step: each op waits for the last
  }
  commands.write_timestamp(queries, 1);
  commands.end();
  b.context.submit_and_wait(commands);  // warm-up: pipelines compiled, memory touched
  for (auto _ : state) {
    b.context.submit_and_wait(commands);
    const auto ns = queries.read_ns(0, 2);
    state.SetIterationTime((ns[1] - ns[0]) / kRepeat * 1e-9);
  }
  if (flops > 0) state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  if (bytes > 0) state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
}

void add(const std::string& name, const std::function<void(benchmark::State&)>& body) {
  benchmark::RegisterBenchmark(name.c_str(), body)->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);
}

void linear_benches(int B, int in, int out, const std::string& tag) {
  const double flops = 2.0 * B * in * out;
  const std::string suffix = "/" + tag + "/B" + std::to_string(B);
  add("linear_forward" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({B, in}), w = b.tensor({out, in}), bias = b.tensor({out}), y = b.tensor({B, out});
    run(s, [=](ops::Encoder& e) { ops::linear_forward(e, y, x, w, &bias, {ops::Activation::relu}); }, flops, 0);
  });
  add("linear_backward_input" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({B, in}), w = b.tensor({out, in}), dz = b.tensor({B, out}), dx = b.tensor({B, in});
    run(s, [=](ops::Encoder& e) { ops::linear_backward(e, {&dx, nullptr, nullptr}, dz, x, w); }, flops, 0);
  });
  add("linear_backward_weight" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({B, in}), w = b.tensor({out, in}), dz = b.tensor({B, out}), dw = b.tensor({out, in});
    run(s, [=](ops::Encoder& e) { ops::linear_backward(e, {nullptr, &dw, nullptr}, dz, x, w); }, flops, 0);
  });
  // The same product with a workspace, as training records it: split along the batch where the
  // profile splits it (ops::split_k_slices; the GPU profile, few blocks, a large batch), else
  // the same kernel as above.
  add("linear_backward_weight_split" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({B, in}), dz = b.tensor({B, out}), dw = b.tensor({out, in});
    const auto ws = b.tensor({std::max<int64_t>(1, static_cast<int64_t>(ops::linear_weight_workspace_elements(x.shape, dz.shape, b.kernels.profile())))});
    run(s, [=](ops::Encoder& e) { ops::linear_backward_weight(e, dw, dz, x, false, nullptr, &ws); }, flops, 0);
  });
  // As training records them (graph/fuse.hpp): the input gradient gated by the previous layer's
  // ReLU, and the weight gradient with the bias gradient in the same dispatch.
  add("linear_backward_input_gated" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({B, in}), w = b.tensor({out, in}), dz = b.tensor({B, out}), dx = b.tensor({B, in});
    const ops::ActivationGate gate{x, {ops::Activation::relu}};
    run(s, [=](ops::Encoder& e) { ops::linear_backward_input(e, dx, dz, w, false, &gate); }, flops, 0);
  });
  add("linear_backward_weight_bias" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({B, in}), w = b.tensor({out, in}), dz = b.tensor({B, out}), dw = b.tensor({out, in});
    const auto db = b.tensor({out});
    run(s, [=](ops::Encoder& e) { ops::linear_backward(e, {nullptr, &dw, &db}, dz, x, w); }, flops, 0);
  });
}

void conv_benches(int N, int C, int H, int K, int stride, int output_padding, bool transposed, const std::string& tag) {
  const ops::ConvParams params{static_cast<uint32_t>(stride), 1, static_cast<uint32_t>(output_padding)};
  const ops::Shape x_shape{N, C, H, H};
  const ops::Shape w_shape = transposed ? ops::Shape{C, K, 3, 3} : ops::Shape{K, C, 3, 3};
  const ops::ConvGeometry g = transposed ? ops::conv_transpose2d_geometry("bench", x_shape, w_shape, params)
                                         : ops::conv2d_geometry("bench", x_shape, w_shape, params);
  const ops::Shape y_shape = transposed ? ops::Shape{g.N, g.C, g.H, g.W} : ops::Shape{g.N, g.K, g.P, g.Q};
  const double flops = 2.0 * g.N * g.K * g.P * g.Q * g.C * g.R * g.S;
  const std::string op = transposed ? "conv_transpose2d" : "conv2d";
  const std::string suffix = "/" + tag + "/B" + std::to_string(N);
  add(op + "_forward" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor(x_shape), w = b.tensor(w_shape), bias = b.tensor({y_shape[1]}), y = b.tensor(y_shape);
    run(s, [=](ops::Encoder& e) {
      if (transposed) ops::conv_transpose2d_forward(e, y, x, w, &bias, params, {ops::Activation::relu});
      else ops::conv2d_forward(e, y, x, w, &bias, params, {ops::Activation::relu});
    }, flops, 0);
  });
  add(op + "_backward_input" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor(x_shape), w = b.tensor(w_shape), dz = b.tensor(y_shape), dx = b.tensor(x_shape);
    run(s, [=](ops::Encoder& e) {
      if (transposed) ops::conv_transpose2d_backward(e, {&dx}, dz, x, w, params, nullptr);
      else ops::conv2d_backward(e, {&dx}, dz, x, w, params, nullptr);
    }, flops, 0);
  });
  add(op + "_backward_weight" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor(x_shape), w = b.tensor(w_shape), dz = b.tensor(y_shape), dw = b.tensor(w_shape);
    const auto ws = b.tensor({std::max<int64_t>(1, static_cast<int64_t>(ops::conv_workspace_elements(g)))});
    run(s, [=](ops::Encoder& e) {
      if (transposed) ops::conv_transpose2d_backward(e, {nullptr, &dw}, dz, x, w, params, &ws);
      else ops::conv2d_backward(e, {nullptr, &dw}, dz, x, w, params, &ws);
    }, flops, 0);
  });
  add(op + "_backward_input_gated" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor(x_shape), w = b.tensor(w_shape), dz = b.tensor(y_shape), dx = b.tensor(x_shape);
    const ops::ActivationGate gate{x, {ops::Activation::relu}};
    run(s, [=](ops::Encoder& e) {
      if (transposed) ops::conv_transpose2d_backward_input(e, dx, dz, w, params, false, &gate);
      else ops::conv2d_backward_input(e, dx, dz, w, params, false, &gate);
    }, flops, 0);
  });
  add(op + "_backward_weight_bias" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor(x_shape), w = b.tensor(w_shape), dz = b.tensor(y_shape), dw = b.tensor(w_shape);
    const auto db = b.tensor({y_shape[1]});
    const auto ws = b.tensor({std::max<int64_t>(1, static_cast<int64_t>(ops::conv_workspace_elements(g)))});
    run(s, [=](ops::Encoder& e) {
      if (transposed) ops::conv_transpose2d_backward(e, {nullptr, &dw, &db}, dz, x, w, params, &ws);
      else ops::conv2d_backward(e, {nullptr, &dw, &db}, dz, x, w, params, &ws);
    }, flops, 0);
  });
}

void elementwise_benches(int B) {
  const std::string suffix = "/B" + std::to_string(B);
  add("bce_forward_backward/784" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto p = b.tensor({B, 784}), t = b.tensor({B, 784}), loss = b.tensor({B}), g = b.tensor({B, 784}), w = b.tensor({1});
    run(s, [=](ops::Encoder& e) {
      ops::recon_loss_forward(e, ops::ReconLoss::bce_with_logits, loss, p, t);
      ops::recon_loss_backward(e, ops::ReconLoss::bce_with_logits, g, p, t, w);
    }, 0, 3.0 * 4 * B * 784);
  });
  add("reparameterize/16" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto mu = b.tensor({B, 16}), lv = b.tensor({B, 16}), z = b.tensor({B, 16}), eps = b.tensor({B, 16});
    const auto rng = b.tensor({4}, ops::DType::u32);
    run(s, [=](ops::Encoder& e) { ops::reparameterize_forward(e, z, eps, mu, lv, rng); }, 0, 4.0 * 4 * B * 16);
  });
  add("gather_images/784" + suffix, [=](benchmark::State& s) {
    Bench& b = bench();
    const auto images = b.tensor({60000, 784}, ops::DType::u8), order = b.tensor({60000}, ops::DType::u32);
    const auto cursor = b.tensor({1}, ops::DType::u32), rng = b.tensor({4}, ops::DType::u32), x = b.tensor({B, 784});
    run(s, [=](ops::Encoder& e) { ops::gather_images(e, x, images, order, cursor, rng, true); }, 0, 5.0 * B * 784);
  });
}

// The device's FMA peak with a kernel of our own (shaders/peak_fma.comp), the yardstick GEMM's
// GFLOP/s are read against (bench/gpu.sh): enough workgroups to fill any GPU.
void peak_bench() {
  add("peak_fma", [=](benchmark::State& s) {
    Bench& b = bench();
    constexpr uint32_t kGroups = 4096, kIterations = 2048;
    const auto out = b.tensor({int64_t{kGroups} * 128});
    struct Push {
      uint32_t iterations;
      float seed;
    };
    run(s, [=](ops::Encoder& e) { e.dispatch({"peak_fma", 1, sizeof(Push), {}}, {out}, Push{kIterations, 0.5f}, {kGroups}); },
        2.0 * 16 * kIterations * 128 * kGroups, 0);
  });
}

// A square product (VKVAE_BENCH_GEMM=N, default 4096: the GPU target's size; bench/gpu.sh
// --quick takes 512 on lavapipe), as Linear lays it out (vec4 along K).
void square_gemm_bench() {
  const char* size = std::getenv("VKVAE_BENCH_GEMM");
  const int n = size != nullptr ? std::atoi(size) : 4096;
  if (n <= 0) return;
  add("gemm/square_" + std::to_string(n), [=](benchmark::State& s) {
    Bench& b = bench();
    const auto x = b.tensor({n, n}), w = b.tensor({n, n}), y = b.tensor({n, n});
    run(s, [=](ops::Encoder& e) { ops::linear_forward(e, y, x, w, nullptr, {ops::Activation::none}); }, 2.0 * n * n * n, 0);
  });
}

void optimizer_bench() {
  constexpr int64_t n = 1'651'825;  // parameters of the seed conv VAE
  add("adam/conv_vae_params", [=](benchmark::State& s) {
    Bench& b = bench();
    const auto p = b.tensor({n}), g = b.tensor({n}), m = b.tensor({n}), v = b.tensor({n});
    const auto hyper = b.tensor({8}), step = b.tensor({1}, ops::DType::u32), norm = b.tensor({1}), flag = b.tensor({1}, ops::DType::u32);
    run(s, [=](ops::Encoder& e) { ops::optimizer_step(e, ops::OptimizerKind::adam, {p, g, m, v, hyper, step, norm, flag}); }, 0,
        7.0 * 4 * n);
  });
}

}  // namespace

int main(int argc, char** argv) {
  Bench::narrow_tiles_from_environment();  // a bad value refused before anything runs
  for (int B : {128, 1024}) {
    linear_benches(B, 784, 400, "mlp_encoder_784x400");
    linear_benches(B, 400, 784, "mlp_decoder_400x784");
    linear_benches(B, 3136, 256, "conv_encoder_3136x256");
    linear_benches(B, 256, 3136, "conv_decoder_256x3136");
    conv_benches(B, 1, 28, 32, 2, 0, false, "enc1_1x28_to_32x14");
    conv_benches(B, 32, 14, 64, 2, 0, false, "enc2_32x14_to_64x7");
    conv_benches(B, 64, 7, 32, 2, 1, true, "dec1_64x7_to_32x14");
    conv_benches(B, 32, 14, 1, 2, 1, true, "dec2_32x14_to_1x28");
    elementwise_benches(B);
  }
  optimizer_bench();
  peak_bench();
  square_gemm_bench();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
