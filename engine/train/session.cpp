#include "train/session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "train/checkpoint.hpp"
#include "train/data_stream.hpp"
#include "train/grid_decoder.hpp"
#include "train/reconstructor.hpp"
#include "ops/data.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

using graph::Program;
using graph::Role;
using graph::TensorId;

// Training steps go in submits of at most kStepsPerSubmit, two in flight: the host reads one's
// metrics while the device runs the next, so the device never waits for the host inside a chunk
// of steps. Each step is followed by a snapshot of its loss sums into a slot of its own (each
// submit in flight has its own half of the ring), so the host adds them up in step order, in
// double precision, however the steps were grouped — a resumed run reports the very same numbers.
constexpr uint32_t kStepsPerSubmit = 32;
constexpr uint32_t kSubmitsInFlight = 2;
// The test set is evaluated in batches of this many (fewer if the test set is smaller).
constexpr int64_t kEvalBatch = 256;
constexpr int64_t kEvalBatchesPerSubmit = 8;
// Pictures: 8 × 8 tiles; the reconstruction grid shows 32 test images and their reconstructions.
constexpr int64_t kSamples = 64, kReconShown = 32;
constexpr uint32_t kManifoldSide = 20;

double mean(const std::vector<float>& values) {
  double sum = 0.0;
  for (float v : values) sum += static_cast<double>(v);
  return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}

}  // namespace

double Evaluation::mean_recon() const { return mean(recon); }
double Evaluation::mean_kl() const { return mean(kl); }

template <typename T>
void Session::put(const Program& program, TensorId id, std::span<const T> values) {
  const ops::Tensor t = program.tensor(id);
  if (values.size_bytes() > t.bytes()) throw Error("internal: " + std::to_string(values.size_bytes()) + " bytes for a smaller tensor");
  context_.upload(*t.buffer, t.offset, std::as_bytes(values));
}

Session::Session(vk::Context& context, const TrainOptions& options, const data::Dataset& train, const data::Dataset& test)
    : context_(context),
      options_(options),
      train_size_(train.size()),
      test_size_(test.size()),
      steps_per_epoch_(train.size() / options.batch),
      timeline_(context.device().handle()) {
  if (options.batch > train_size_) {
    throw UsageError("--batch " + std::to_string(options.batch) + " is larger than the training set (" + std::to_string(train_size_) +
                     " images); use a smaller batch or more data");
  }
  kernels_ = std::make_unique<ops::Kernels>(context);
  const bool conditional = options.conditional();
  if (test_size_ > 0) eval_batch_ = std::min(test_size_, kEvalBatch);
  residency_ = plan_data(ResidencyLimits::of(context.info()), "--data " + options.data.string(), static_cast<uint64_t>(options.pixels()),
                         train_size_, options.batch, kStepsPerSubmit, test_size_, eval_batch_, kEvalBatchesPerSubmit);

  // Training: the step over the training set (or over its ring).
  model_ = models::build_vae(options.training_config(residency_.train.rows));
  StepConfig step_config;
  step_config.optimizer = options.optimizer;
  step_config.batch = static_cast<uint32_t>(options.batch);
  step_config.losses = {model_->recon, model_->kl};
  step_ = std::make_unique<TrainStep>(context, *kernels_, model_->graph, StepCounters{model_->step, model_->rng, model_->cursor}, step_config);
  Program& p = step_->program();
  if (residency_.train.streamed) {
    train_stream_ = stream_dataset(p, *model_, train, residency_.train, options.batch);
    for (int half = 0; half < 2; ++half) {
      loads_[half] = std::make_unique<vk::CommandBuffer>(context.commands());
      loads_[half]->begin(vk::CommandBuffer::Use::kReplay);
      train_stream_->record_load(*loads_[half], half);
      loads_[half]->end();
    }
  } else {
    upload_dataset(p, *model_, train);
  }
  slots_ = parameter_slots(model_->graph, model_->parameters, p);
  metrics_ = std::make_unique<MetricsReadback>(context, std::vector<ops::Tensor>{step_->metric_sum(0), step_->metric_sum(1)},
                                               kStepsPerSubmit * kSubmitsInFlight, std::vector<ops::Tensor>{p.tensor(step_->nonfinite())});
  one_step_ = std::make_unique<vk::CommandBuffer>(context.commands());
  one_step_->begin(vk::CommandBuffer::Use::kReplay);
  step_->record(*one_step_);
  one_step_->end();

  // Evaluation: the same graph over the test set, forward only, on the step's parameters, with
  // its own order, cursor and RNG.
  if (test_size_ > 0) {
    models::VaeConfig eval_config = options.training_config(residency_.test.rows);
    eval_config.batch = eval_batch_;
    eval_model_ = models::build_vae(eval_config);
    eval_ = std::make_unique<Program>(context, *kernels_, eval_model_->graph,
                                      std::vector<TensorId>{eval_model_->recon, eval_model_->kl},
                                      graph::bind_by_name(eval_model_->graph, p, model_->graph, {Role::parameter}));
    if (residency_.test.streamed) {
      test_stream_ = stream_dataset(*eval_, *eval_model_, test, residency_.test, eval_batch_);
      eval_batches_per_submit_ = residency_.test.batches_per_half;
    } else {
      upload_dataset(*eval_, *eval_model_, test);
      std::vector<uint32_t> identity(static_cast<std::size_t>(test_size_));
      std::iota(identity.begin(), identity.end(), 0u);
      put(*eval_, eval_model_->order, std::span<const uint32_t>(identity));
      eval_batches_per_submit_ = kEvalBatchesPerSubmit;
    }

    const int64_t batches = (test_size_ + eval_batch_ - 1) / eval_batch_;
    eval_results_ = std::make_unique<vk::Buffer>(context.buffer(static_cast<VkDeviceSize>(2 * batches * eval_batch_) * sizeof(float),
                                                                vk::MemoryUse::Readback));
    // A command buffer for each eval_batches_per_submit_ batches, so that no submit grows with
    // the test set; the batches' counters carry on from one to the next on the device. A
    // streamed test set's submits each load their half of the ring first.
    const ops::Tensor recon = eval_->tensor(eval_model_->recon), kl = eval_->tensor(eval_model_->kl);
    const VkDeviceSize batch_bytes = static_cast<VkDeviceSize>(eval_batch_) * sizeof(float);
    const VkDeviceSize kl_base = static_cast<VkDeviceSize>(batches) * batch_bytes;
    for (int64_t first = 0; first < batches; first += eval_batches_per_submit_) {
      eval_commands_.push_back(std::make_unique<vk::CommandBuffer>(context.commands()));
      vk::CommandBuffer& c = *eval_commands_.back();
      c.begin(vk::CommandBuffer::Use::kReplay);
      // After the previous submit's writes (counters, activations), as if in one buffer.
      c.barrier(vk::kComputeWrite | vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite);
      if (test_stream_) test_stream_->record_load(c, static_cast<int>(eval_commands_.size() - 1) % 2);
      for (int64_t b = first; b < std::min(batches, first + eval_batches_per_submit_); ++b) {
        eval_->record(c);  // the last batch wraps around to the first examples; those are not read
        c.copy(*recon.buffer, recon.offset, *eval_results_, static_cast<VkDeviceSize>(b) * batch_bytes, batch_bytes);
        c.copy(*kl.buffer, kl.offset, *eval_results_, kl_base + static_cast<VkDeviceSize>(b) * batch_bytes, batch_bytes);
        c.barrier(vk::kTransferRead, vk::kComputeWrite);
        ops::Encoder enc(*kernels_, c);
        ops::advance_counters(enc, eval_->tensor(eval_model_->step), eval_->tensor(eval_model_->rng), eval_->tensor(eval_model_->cursor),
                              static_cast<uint32_t>(eval_batch_));
      }
      c.barrier(vk::kComputeWrite | vk::kTransferWrite, vk::kHostRead | vk::kComputeRead);
      c.end();
    }
  }

  // Pictures.
  samples_ = std::make_unique<GridDecoder>(context, *kernels_, options, conditional ? options.classes * 8 : kSamples, 8);
  if (options.latent() == 2) {
    manifold_ = std::make_unique<GridDecoder>(context, *kernels_, options, int64_t{kManifoldSide} * kManifoldSide, kManifoldSide);
  }
  if (test_size_ > 0) reconstructor_ = std::make_unique<Reconstructor>(context, *kernels_, options, test, kReconShown, 8);
}

Session::~Session() {
  // Steps may still be in flight when a run unwinds (an error between submits): their memory
  // must outlive them.
  try {
    context_.settle_wait([&] { timeline_.wait(submitted_, context_.timeout()); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkvae: warning: %s\n", e.what());  // it ended late: safe to free
  }
}

void Session::upload_dataset(Program& program, const models::VaeGraph& model, const data::Dataset& data) {
  put(program, model.images, std::span<const uint8_t>(data.images.pixels));
  if (model.labels.valid()) put(program, model.labels, std::span<const uint8_t>(data.labels));
}

std::unique_ptr<DataStream> Session::stream_dataset(Program& program, const models::VaeGraph& model, const data::Dataset& data,
                                                   const SplitResidency& residency, int64_t batch) {
  // The gathers read the ring in order; its cursor runs round it.
  std::vector<uint32_t> identity(static_cast<std::size_t>(residency.rows));
  std::iota(identity.begin(), identity.end(), 0u);
  put(program, model.order, std::span<const uint32_t>(identity));
  return std::make_unique<DataStream>(context_, data, program.tensor(model.images),
                                      model.labels.valid() ? program.tensor(model.labels) : ops::Tensor{}, residency.half_rows(batch));
}

uint64_t Session::parameter_count() const {
  return static_cast<uint64_t>(step_->program().parameter_arena().numel());
}

uint64_t Session::submit_async(std::span<const VkCommandBuffer> commands) {
  const vk::SemaphoreValue signal{&timeline_, ++submitted_};
  context_.device().compute_queue().submit({commands, {}, std::span<const vk::SemaphoreValue>(&signal, 1), nullptr});
  return submitted_;
}

void Session::wait_for(uint64_t value) {
  const auto start = std::chrono::steady_clock::now();
  context_.settle_wait([&] { timeline_.wait(value, context_.timeout()); });
  host_wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  context_.check_validation("a training submission");
}

void Session::submit(std::span<const VkCommandBuffer> commands) { wait_for(submit_async(commands)); }

void Session::init_parameters() {
  std::vector<float> arena(parameter_count(), 0.0f);
  const ops::RngState state = ops::RngState::from(options_.seed, 0);
  float bound = 0.0f;
  for (const ParameterSlot& slot : slots_) {
    // Weights come before their biases, and a bias takes its weight's bound (as PyTorch does).
    if (slot.shape.rank() >= 2) {
      const int64_t fan_in = slot.shape.numel() / slot.shape[0];  // size(1) × the kernel's taps
      bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
    }
    for (int64_t i = 0; i < slot.shape.numel(); ++i) {
      const uint64_t at = slot.offset + static_cast<uint64_t>(i);
      const float u = ops::standard_uniform(state, ops::RngStream::init, static_cast<uint32_t>(at));
      arena[at] = (2.0f * u - 1.0f) * bound;
    }
  }
  load_parameters(arena);
}

void Session::load_parameters(const std::vector<float>& arena) {
  const ops::Tensor t = step_->program().parameter_arena();
  if (arena.size() != static_cast<std::size_t>(t.numel())) throw Error("internal: parameter arena size mismatch");
  context_.upload(*t.buffer, t.offset, std::as_bytes(std::span<const float>(arena)));
}

void Session::start() {
  ops::OptimizerHyper hyper;
  hyper.lr = static_cast<float>(options_.lr);
  hyper.weight_decay = static_cast<float>(options_.weight_decay);
  step_->reset(options_.seed, hyper);  // (set_learning_rate writes the same tensor later)
  const float recon_weight = 1.0f / static_cast<float>(options_.batch);
  put(step_->program(), model_->recon_weight, std::span<const float>(&recon_weight, 1));
}

void Session::set_learning_rate(double lr) {
  options_.lr = lr;
  ops::OptimizerHyper hyper;
  hyper.lr = static_cast<float>(lr);
  hyper.weight_decay = static_cast<float>(options_.weight_decay);
  put(step_->program(), step_->hyper(), std::span<const ops::OptimizerHyper>(&hyper, 1));
}

void Session::set_kl_weight(double weight) {
  const float per_batch = static_cast<float>(weight / static_cast<double>(options_.batch));
  put(step_->program(), model_->kl_weight, std::span<const float>(&per_batch, 1));
}

void Session::begin_epoch(int64_t epoch, int64_t steps_done) {
  // Fisher–Yates, keyed by (seed, epoch): a resumed run draws the same order.
  order_.resize(static_cast<std::size_t>(train_size_));
  std::iota(order_.begin(), order_.end(), 0u);
  const ops::RngState state = ops::RngState::from(options_.seed, static_cast<uint64_t>(epoch));
  for (std::size_t i = order_.size() - 1; i > 0; --i) {
    const uint32_t bits = ops::random_bits(state, ops::RngStream::shuffle, static_cast<uint32_t>(i));
    const auto j = static_cast<std::size_t>((uint64_t{bits} * (i + 1)) >> 32);
    std::swap(order_[i], order_[j]);
  }
  if (train_stream_) {
    position_ = steps_done * options_.batch;  // the host stages the batches in this order
  } else {
    const Program& p = step_->program();
    put(p, model_->order, std::span<const uint32_t>(order_));
    const uint32_t cursor = static_cast<uint32_t>(steps_done * options_.batch);
    put(p, model_->cursor, std::span<const uint32_t>(&cursor, 1));
  }
  set_kl_weight(options_.kl_weight(epoch));
}

void Session::train(int64_t steps, Sums& running) {
  struct InFlight {
    uint64_t value;
    uint32_t first_slot, steps;
  };
  std::vector<InFlight> in_flight;
  // The oldest submit's metrics, in step order (so the totals do not depend on the grouping).
  const auto retire = [&] {
    const InFlight done = in_flight.front();
    in_flight.erase(in_flight.begin());
    wait_for(done.value);
    for (uint32_t s = 0; s < done.steps; ++s) {
      const std::vector<float> sums = metrics_->read(done.first_slot + s);
      running.recon += static_cast<double>(sums[0]) - (bound_terms() ? static_cast<double>(sums[1]) : 0.0);
      running.kl += static_cast<double>(sums[1]);
    }
    running.nonfinite = running.nonfinite || metrics_->read_watched(done.first_slot + done.steps - 1)[0] != 0;
  };
  // A streamed training set: submit j reads half j mod 2 of the data ring, so the ring's cursor
  // starts each call at its start (nothing is in flight between calls).
  const int64_t per_submit = train_stream_ ? residency_.train.batches_per_half : int64_t{kStepsPerSubmit};
  if (train_stream_) {
    const uint32_t zero = 0;
    put(step_->program(), model_->cursor, std::span<const uint32_t>(&zero, 1));
  }
  uint32_t half = 0;
  for (int64_t done = 0; done < steps;) {
    const auto n = static_cast<uint32_t>(std::min<int64_t>(steps - done, per_submit));
    if (in_flight.size() == kSubmitsInFlight) retire();  // its halves of the rings are reused next
    const uint32_t first = half * kStepsPerSubmit;
    std::vector<VkCommandBuffer> commands;
    if (train_stream_) {
      train_stream_->stage(static_cast<int>(half), order_, position_, int64_t{n} * options_.batch);
      position_ += int64_t{n} * options_.batch;
      commands.push_back(loads_[half]->handle());
    }
    for (uint32_t s = 0; s < n; ++s) {
      commands.push_back(one_step_->handle());
      commands.push_back(metrics_->snapshot(first + s).handle());
    }
    in_flight.push_back({submit_async(commands), first, n});
    half = (half + 1) % kSubmitsInFlight;
    done += n;
  }
  while (!in_flight.empty()) retire();
}

Evaluation Session::evaluate(const std::function<void(int64_t, int64_t)>& progress) {
  if (!eval_) return {};
  // The same noise at every evaluation: the RNG restarts from a key of its own.
  const ops::RngState rng = ops::RngState::from(options_.seed ^ 0x6576616c75617465ull, 0);  // "evaluate"
  put(*eval_, eval_model_->rng, std::span<const ops::RngState>(&rng, 1));
  const uint32_t zero = 0;
  put(*eval_, eval_model_->cursor, std::span<const uint32_t>(&zero, 1));
  put(*eval_, eval_model_->step, std::span<const uint32_t>(&zero, 1));
  // Bounded submits, two in flight; the host waits only for the one before the last (which read
  // the half of a streamed test set's ring that the next submit loads).
  const int64_t per_submit = eval_batches_per_submit_ * eval_batch_;
  const auto done_after = [&](std::size_t submits) { return std::min(test_size_, static_cast<int64_t>(submits) * per_submit); };
  uint64_t last = 0, before_last = 0;
  for (std::size_t i = 0; i < eval_commands_.size(); ++i) {
    const VkCommandBuffer c = eval_commands_[i]->handle();
    if (before_last != 0) {
      wait_for(before_last);
      if (progress) progress(done_after(i - 1), test_size_);
    }
    if (test_stream_) {
      const int64_t first = static_cast<int64_t>(i) * per_submit;
      test_stream_->stage(static_cast<int>(i % 2), {}, first, std::min(per_submit, test_size_ - first));
    }
    before_last = last;
    last = submit_async(std::span<const VkCommandBuffer>(&c, 1));
  }
  if (before_last != 0) {
    wait_for(before_last);
    if (progress) progress(done_after(eval_commands_.size() - 1), test_size_);
  }
  wait_for(last);
  if (progress) progress(test_size_, test_size_);

  const int64_t batches = (test_size_ + eval_batch_ - 1) / eval_batch_;
  const auto n = static_cast<std::size_t>(test_size_);
  Evaluation e;
  e.recon.resize(n);
  e.kl.resize(n);
  const std::byte* base = eval_results_->mapped();
  eval_results_->invalidate(0, VK_WHOLE_SIZE);
  std::memcpy(e.recon.data(), base, n * sizeof(float));
  std::memcpy(e.kl.data(), base + static_cast<std::size_t>(batches * eval_batch_) * sizeof(float), n * sizeof(float));
  if (bound_terms()) {
    for (std::size_t i = 0; i < n; ++i) e.recon[i] -= e.kl[i];
  }
  return e;
}

Picture download_picture(vk::Context& context, const ops::Tensor& grid, ops::GridSize size) {
  return {size.width, size.height, context.download<uint32_t>(*grid.buffer, std::size_t{size.width} * size.height, grid.offset)};
}

Picture Session::samples() {
  // The same noise every time, so pictures of successive epochs compare; for conditional
  // models, one noise per column and one class per row.
  const bool conditional = options_.conditional();
  const int64_t count = conditional ? options_.classes * 8 : kSamples;
  const int64_t distinct = conditional ? 8 : kSamples;
  const ops::RngState state = ops::RngState::from(options_.seed, 0);
  std::vector<float> z(static_cast<std::size_t>(count * options_.latent()));
  std::vector<int> digits;
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t j = 0; j < options_.latent(); ++j) {
      z[static_cast<std::size_t>(i * options_.latent() + j)] =
          ops::standard_normal(state, ops::RngStream::prior, static_cast<uint32_t>((i % distinct) * options_.latent() + j));
    }
    digits.push_back(static_cast<int>(i / 8));
  }
  samples_->copy_weights(step_->program(), model_->graph);
  samples_->decode(z, digits);
  return samples_->download();
}

Picture Session::manifold() {
  if (!manifold_) return {};
  std::vector<float> z;
  for (uint32_t row = 0; row < kManifoldSide; ++row) {
    for (uint32_t col = 0; col < kManifoldSide; ++col) {
      z.push_back(-3.0f + 6.0f * static_cast<float>(col) / (kManifoldSide - 1));
      z.push_back(3.0f - 6.0f * static_cast<float>(row) / (kManifoldSide - 1));  // up is +z₂
    }
  }
  manifold_->copy_weights(step_->program(), model_->graph);
  manifold_->decode(z, std::vector<int>(z.size() / 2, 0));
  return manifold_->download();
}

Picture Session::reconstructions() {
  if (!reconstructor_) return {};
  reconstructor_->copy_weights(step_->program(), model_->graph);
  reconstructor_->run();
  const Picture left = download_picture(context_, reconstructor_->originals(), reconstructor_->size());
  const Picture right = download_picture(context_, reconstructor_->reconstructions(), reconstructor_->size());
  // A grey band between the halves, wider than the grids' 2 px padding, so that originals and
  // reconstructions do not read as one grid.
  constexpr uint32_t kBand = 8, kGrey = 0xFF808080u;
  Picture both{left.width + kBand + right.width, left.height, {}};
  for (uint32_t y = 0; y < both.height; ++y) {
    both.pixels.insert(both.pixels.end(), left.pixels.begin() + y * left.width, left.pixels.begin() + (y + 1) * left.width);
    both.pixels.insert(both.pixels.end(), kBand, kGrey);
    both.pixels.insert(both.pixels.end(), right.pixels.begin() + y * right.width, right.pixels.begin() + (y + 1) * right.width);
  }
  return both;
}

std::string Session::profile(int64_t steps) {
  using Clock = std::chrono::steady_clock;
  const DeviceState saved = save();
  std::string text;
  Program& p = step_->program();
  if (context_.info().timestamps) {
    vk::TimestampQueries queries(context_.device(), p.stats().nodes + 1);
    vk::CommandBuffer profiled = context_.commands();
    profiled.begin();
    step_->record(profiled, &queries);
    profiled.end();
    context_.submit_and_wait(profiled);
    text = p.profile(p.node_times(queries));
  } else {
    text = "this device has no timestamps: no GPU time by op\n";
  }
  // Host time: what recording and submitting a step costs the CPU (a replayed step is only
  // submitted); wall time: steps back to back in one submit.
  const auto record_start = Clock::now();
  vk::CommandBuffer recorded = context_.commands();
  recorded.begin();
  step_->record(recorded);
  recorded.end();
  const double record_us = std::chrono::duration<double, std::micro>(Clock::now() - record_start).count();
  std::vector<VkCommandBuffer> commands(static_cast<std::size_t>(steps), one_step_->handle());
  const auto submit_start = Clock::now();
  const vk::SemaphoreValue signal{&timeline_, ++submitted_};
  context_.device().compute_queue().submit({commands, {}, std::span<const vk::SemaphoreValue>(&signal, 1), nullptr});
  const double submit_us = std::chrono::duration<double, std::micro>(Clock::now() - submit_start).count();
  wait_for(submitted_);
  const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - submit_start).count();
  // The path training takes (submits of kStepsPerSubmit, two in flight, metrics read between):
  // how busy it keeps the device, against the back-to-back steps above, and how long the host
  // waits on it.
  Sums sums;
  const double waited_before = host_wait_seconds_;
  const auto train_start = Clock::now();
  train(steps, sums);
  const double train_ms = std::chrono::duration<double, std::milli>(Clock::now() - train_start).count();
  const double waited_us = (host_wait_seconds_ - waited_before) * 1e6;
  char line[512];
  std::snprintf(line, sizeof line,
                "host: recording a step %.0f µs (once per run); submitting %lld replayed steps %.1f µs a step; "
                "wall: %.2f ms a step, %.0f samples/s\n"
                "training's own path (%u steps a submit, %u in flight): %.2f ms a step, the device busy %.0f %% of it; "
                "the host waits %.0f µs a step\n",
                record_us, static_cast<long long>(steps), submit_us / static_cast<double>(steps), wall_ms / static_cast<double>(steps),
                static_cast<double>(steps * options_.batch) / (wall_ms / 1000.0), kStepsPerSubmit, kSubmitsInFlight,
                train_ms / static_cast<double>(steps), std::min(100.0, 100.0 * wall_ms / train_ms), waited_us / static_cast<double>(steps));
  start();  // zeroes the loss sums and flags the profiled steps touched
  load(saved);
  return text + line;
}

DeviceState Session::save() {
  const Program& p = step_->program();
  const ops::Tensor arena = p.parameter_arena();
  const auto n = static_cast<std::size_t>(arena.numel());
  DeviceState s;
  s.parameters = context_.download<float>(*arena.buffer, n, arena.offset);
  s.m = context_.download<float>(step_->moment(0), n);
  s.v = context_.download<float>(step_->moment(1), n);
  const ops::Tensor step = p.tensor(model_->step), cursor = p.tensor(model_->cursor), rng = p.tensor(model_->rng);
  s.step = context_.download<uint32_t>(*step.buffer, 1, step.offset)[0];
  // A streamed set's device cursor runs round its ring; the epoch's position is the host's.
  s.cursor = train_stream_ ? static_cast<uint32_t>(position_) : context_.download<uint32_t>(*cursor.buffer, 1, cursor.offset)[0];
  s.rng = context_.download<ops::RngState>(*rng.buffer, 1, rng.offset)[0];
  return s;
}

void Session::load(const DeviceState& s) {
  const Program& p = step_->program();
  load_parameters(s.parameters);
  context_.upload(step_->moment(0), std::span<const float>(s.m));
  context_.upload(step_->moment(1), std::span<const float>(s.v));
  put(p, model_->step, std::span<const uint32_t>(&s.step, 1));
  if (train_stream_) {
    position_ = s.cursor;
  } else {
    put(p, model_->cursor, std::span<const uint32_t>(&s.cursor, 1));
  }
  put(p, model_->rng, std::span<const ops::RngState>(&s.rng, 1));
}

}  // namespace vkvae::train
