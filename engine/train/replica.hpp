// One device's part of training (train/session.hpp): its copy of the model, its recorded step
// over its shards of each batch, its copy of the training data (bound whole or streamed), the
// metrics it snapshots, and the timeline its submits signal. A run on one device has one; a
// data-parallel run one a device, all holding the same parameters, each summing the others'
// gradients with its own (TrainStep, exchange_gradients).
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "data/idx.hpp"
#include "models/vae.hpp"
#include "train/data_residency.hpp"
#include "train/metrics.hpp"
#include "train/options.hpp"
#include "train/step.hpp"
#include "vk/context.hpp"

namespace vkvae::train {

class DataStream;

class Replica {
 public:
  // Training steps go in submits of at most this many, two in flight (one replica alone).
  static constexpr uint32_t kStepsPerSubmit = 32;
  static constexpr uint32_t kSubmitsInFlight = 2;

  // Replica `index` of `replicas`, computing shards [index·k, (index+1)·k) of options.shards
  // (k = shards / replicas), its gradients leaving in buckets of `bucket_bytes` (StepConfig).
  // `train` must outlive it (a streamed split reads it).
  Replica(vk::Context& context, const TrainOptions& options, const data::Dataset& train, const SplitResidency& residency,
          uint32_t index, uint32_t replicas, uint64_t bucket_bytes);
  ~Replica();

  vk::Context& context() { return context_; }
  ops::Kernels& kernels() { return *kernels_; }
  const models::VaeGraph& model() const { return *model_; }
  TrainStep& step() { return *step_; }
  const graph::Program& program() const { return step_->program(); }
  DataStream* stream() { return stream_.get(); }
  MetricsReadback& metrics() { return *metrics_; }
  uint32_t local_shards() const { return step_->config().local_shards; }

  // The recorded step (the only replica), or its halves (one of several): see TrainStep.
  const vk::CommandBuffer& whole_step() const { return *whole_; }
  const vk::CommandBuffer& gradients(uint32_t part) const { return *gradients_.at(part); }
  const vk::CommandBuffer& update() const { return *update_; }
  // A streamed training set: the copy of ring half `half` into the device.
  const vk::CommandBuffer& load(int half) const { return *loads_[half]; }

  template <typename T>
  void put(graph::TensorId id, std::span<const T> values) {
    put_bytes(program(), id, std::as_bytes(values));
  }
  // Writes `bytes` into tensor `id` of `program` (a program on this replica's device).
  void put_bytes(const graph::Program& program, graph::TensorId id, std::span<const std::byte> bytes);

  // Queues `commands` on this replica's timeline and returns the value it signals when done.
  uint64_t submit_async(std::span<const VkCommandBuffer> commands);
  // Waits until the timeline reaches `value` (finite: the context's timeout), counting the time.
  void wait_for(uint64_t value);
  // Waits for everything submitted, warning on stderr (never throwing) when that fails: before
  // memory that submits may still use is freed.
  void settle();
  double host_wait_seconds() const { return host_wait_seconds_; }

  // The parameters, and the optimizer's moments, as flat arenas.
  std::vector<float> download_arena(int which);  // 0: parameters, 1, 2: the moments
  void upload_arena(int which, std::span<const float> values);

 private:
  vk::Context& context_;
  std::unique_ptr<ops::Kernels> kernels_;
  std::unique_ptr<models::VaeGraph> model_;
  std::unique_ptr<TrainStep> step_;
  std::unique_ptr<DataStream> stream_;
  std::unique_ptr<vk::CommandBuffer> loads_[2];
  std::unique_ptr<MetricsReadback> metrics_;
  std::unique_ptr<vk::CommandBuffer> whole_, update_;
  std::vector<std::unique_ptr<vk::CommandBuffer>> gradients_;  // a part each (TrainStep::gradient_parts)
  vk::TimelineSemaphore timeline_;
  uint64_t submitted_ = 0;
  double host_wait_seconds_ = 0.0;
};

}  // namespace vkvae::train
