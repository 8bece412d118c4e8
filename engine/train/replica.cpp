#include "train/replica.hpp"

#include <chrono>
#include <cstdio>

#include "train/data_stream.hpp"
#include "util/error.hpp"
#include "util/identity_order.hpp"

namespace vkvae::train {

Replica::Replica(vk::Context& context, const TrainOptions& options, const data::Dataset& train, const SplitResidency& residency,
                 uint32_t index, uint32_t replicas, uint64_t bucket_bytes)
    : context_(context), timeline_(context.device().handle()) {
  const auto shards = static_cast<uint32_t>(options.shards);
  kernels_ = std::make_unique<ops::Kernels>(context);
  models::VaeConfig config = options.training_config(residency.rows);
  config.batch = options.batch / shards;  // the graph runs once a shard
  model_ = models::build_vae(config);
  StepConfig step_config;
  step_config.optimizer = options.optimizer;
  step_config.batch = static_cast<uint32_t>(options.batch);
  step_config.shards = shards;
  step_config.local_shards = shards / replicas;
  step_config.first_shard = index * step_config.local_shards;
  step_config.losses = {model_->recon, model_->kl};
  step_config.bucket_bytes = bucket_bytes;
  step_ = std::make_unique<TrainStep>(context, *kernels_, model_->graph, StepCounters{model_->step, model_->rng, model_->cursor}, step_config);
  const graph::Program& p = step_->program();

  if (residency.streamed) {
    // The gathers read the ring in order; its cursor runs round it.
    const std::vector<uint32_t> identity = identity_order(residency.rows);
    put(model_->order, std::span<const uint32_t>(identity));
    stream_ = std::make_unique<DataStream>(context, train, p.tensor(model_->images),
                                           model_->labels.valid() ? p.tensor(model_->labels) : ops::Tensor{}, residency.half_rows(options.batch));
    for (int half = 0; half < 2; ++half) {
      loads_[half] = std::make_unique<vk::CommandBuffer>(context.commands());
      loads_[half]->begin(vk::CommandBuffer::Use::kReplay);
      stream_->record_load(*loads_[half], half);
      loads_[half]->end();
    }
  } else {
    put(model_->images, std::span<const uint8_t>(train.images.pixels));
    if (model_->labels.valid()) put(model_->labels, std::span<const uint8_t>(train.labels));
  }

  // Each step's loss sums, a pair a local shard, snapshotted into a slot of their own.
  std::vector<ops::Tensor> sums;
  for (uint32_t j = 0; j < step_config.local_shards; ++j) {
    for (std::size_t term = 0; term < 2; ++term) sums.push_back(step_->metric_sum(j, term));
  }
  metrics_ = std::make_unique<MetricsReadback>(context, sums, kStepsPerSubmit * kSubmitsInFlight,
                                               std::vector<ops::Tensor>{p.tensor(step_->nonfinite())});
  const auto recorded = [&](const auto& record) {
    auto commands = std::make_unique<vk::CommandBuffer>(context.commands());
    commands->begin(vk::CommandBuffer::Use::kReplay);
    record(*commands);
    commands->end();
    return commands;
  };
  if (replicas == 1) {
    whole_ = recorded([&](vk::CommandBuffer& c) { step_->record(c); });
  } else {
    for (uint32_t part = 0; part < step_->gradient_parts(); ++part) {
      gradients_.push_back(recorded([&](vk::CommandBuffer& c) { step_->record_gradients(c, part); }));
    }
    update_ = recorded([&](vk::CommandBuffer& c) { step_->record_update(c); });
  }
}

Replica::~Replica() { settle(); }

void Replica::settle() {
  // Steps may still be in flight when a run unwinds (an error between submits): their memory
  // must outlive them.
  try {
    context_.settle_wait([&] { timeline_.wait(submitted_, context_.timeout()); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkvae: warning: %s\n", e.what());  // it ended late: safe to free
  }
}

void Replica::put_bytes(const graph::Program& program, graph::TensorId id, std::span<const std::byte> bytes) {
  const ops::Tensor t = program.tensor(id);
  if (bytes.size() > t.bytes()) throw Error("internal: " + std::to_string(bytes.size()) + " bytes for a smaller tensor");
  context_.upload(*t.buffer, t.offset, bytes);
}

uint64_t Replica::submit_async(std::span<const VkCommandBuffer> commands) {
  const vk::SemaphoreValue signal{&timeline_, ++submitted_};
  context_.device().compute_queue().submit({commands, {}, std::span<const vk::SemaphoreValue>(&signal, 1), nullptr});
  return submitted_;
}

void Replica::wait_for(uint64_t value) {
  const auto start = std::chrono::steady_clock::now();
  context_.settle_wait([&] { timeline_.wait(value, context_.timeout()); });
  host_wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  context_.check_validation("a training submission");
}

std::vector<float> Replica::download_arena(int which) {
  const ops::Tensor arena = program().parameter_arena();
  const auto n = static_cast<std::size_t>(arena.numel());
  if (which == 0) return context_.download<float>(*arena.buffer, n, arena.offset);
  return context_.download<float>(step_->moment(which - 1), n);
}

void Replica::upload_arena(int which, std::span<const float> values) {
  const ops::Tensor arena = program().parameter_arena();
  if (values.size() != static_cast<std::size_t>(arena.numel())) throw Error("internal: parameter arena size mismatch");
  if (which == 0) {
    context_.upload(*arena.buffer, arena.offset, std::as_bytes(values));
  } else {
    context_.upload(step_->moment(which - 1), values);
  }
}

}  // namespace vkvae::train
