// Metrics read back without stalling training. The device keeps running sums (one f32 each);
// every N steps the host queues a snapshot command buffer that copies the sums into one slot of
// a host-visible ring and zeroes them, signals a timeline value, and goes on submitting steps.
// It reads a slot once the timeline has passed that value — never waiting on a single step.
// Watched values (flags, counters) are copied along but not zeroed.
#pragma once

#include <memory>
#include <vector>

#include "ops/tensor.hpp"
#include "vk/context.hpp"

namespace vkvae::train {

class MetricsReadback {
 public:
  // `sums`: (1) f32 device tensors, as TrainStep::metrics() gives them. `slots`: how many
  // snapshots may be in flight before the oldest must have been read.
  // `watched`: (1) tensors of 4 bytes copied as they are.
  MetricsReadback(vk::Context& context, std::vector<ops::Tensor> sums, uint32_t slots = 4, std::vector<ops::Tensor> watched = {});

  uint32_t slots() const { return static_cast<uint32_t>(snapshots_.size()); }
  // The replayable command buffer that snapshots into `slot` and zeroes the sums.
  const vk::CommandBuffer& snapshot(uint32_t slot) const { return *snapshots_.at(slot); }
  // The sums copied into `slot`; call only after the snapshot's submission has completed.
  std::vector<float> read(uint32_t slot) const;
  // The watched values copied into `slot`, as 32-bit words.
  std::vector<uint32_t> read_watched(uint32_t slot) const;

 private:
  vk::Context& context_;
  std::vector<ops::Tensor> sums_, watched_;
  VkDeviceSize slot_bytes_ = 0;
  std::unique_ptr<vk::Buffer> ring_;
  std::vector<std::unique_ptr<vk::CommandBuffer>> snapshots_;
};

}  // namespace vkvae::train
