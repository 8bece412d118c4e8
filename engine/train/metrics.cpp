#include "train/metrics.hpp"

#include <cstring>

#include "util/error.hpp"

namespace vkvae::train {

MetricsReadback::MetricsReadback(vk::Context& context, std::vector<ops::Tensor> sums, uint32_t slots, std::vector<ops::Tensor> watched)
    : context_(context), sums_(std::move(sums)), watched_(std::move(watched)) {
  if (sums_.empty() || slots == 0) throw Error("metrics readback needs at least one sum and one slot");
  for (const ops::Tensor& s : sums_) {
    if (s.numel() != 1 || s.dtype != ops::DType::f32) throw Error("metrics readback: each sum must be one f32");
  }
  for (const ops::Tensor& w : watched_) {
    if (w.bytes() != 4) throw Error("metrics readback: each watched value must be 4 bytes");
  }
  slot_bytes_ = (sums_.size() + watched_.size()) * sizeof(float);
  ring_ = std::make_unique<vk::Buffer>(context.buffer(slot_bytes_ * slots, vk::MemoryUse::Readback));
  for (uint32_t slot = 0; slot < slots; ++slot) {
    auto commands = std::make_unique<vk::CommandBuffer>(context.commands());
    commands->begin(vk::CommandBuffer::Use::kReplay);
    // After the steps before it: their compute writes to the sums.
    commands->barrier(vk::kComputeWrite, vk::kTransferRead | vk::kTransferWrite);
    for (std::size_t i = 0; i < sums_.size(); ++i) {
      commands->copy(*sums_[i].buffer, sums_[i].offset, *ring_, slot * slot_bytes_ + i * sizeof(float), sizeof(float));
    }
    for (std::size_t i = 0; i < watched_.size(); ++i) {
      commands->copy(*watched_[i].buffer, watched_[i].offset, *ring_, slot * slot_bytes_ + (sums_.size() + i) * sizeof(float), sizeof(float));
    }
    commands->barrier(vk::kTransferRead, vk::kTransferWrite);
    for (const ops::Tensor& s : sums_) commands->fill(*s.buffer, s.offset, sizeof(float), 0u);
    // The next steps add to the zeroed sums; the host reads the slot.
    commands->barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite | vk::kHostRead);
    commands->end();
    snapshots_.push_back(std::move(commands));
  }
}

std::vector<float> MetricsReadback::read(uint32_t slot) const {
  if (slot >= snapshots_.size()) throw Error("metrics readback: no slot " + std::to_string(slot));
  const VkDeviceSize offset = slot * slot_bytes_;
  std::vector<float> values(sums_.size());
  ring_->invalidate(offset, slot_bytes_);
  std::memcpy(values.data(), ring_->mapped() + offset, values.size() * sizeof(float));
  return values;
}

std::vector<uint32_t> MetricsReadback::read_watched(uint32_t slot) const {
  if (slot >= snapshots_.size()) throw Error("metrics readback: no slot " + std::to_string(slot));
  const VkDeviceSize offset = slot * slot_bytes_ + sums_.size() * sizeof(float);
  std::vector<uint32_t> values(watched_.size());
  ring_->invalidate(slot * slot_bytes_, slot_bytes_);
  std::memcpy(values.data(), ring_->mapped() + offset, values.size() * sizeof(uint32_t));
  return values;
}

}  // namespace vkvae::train
