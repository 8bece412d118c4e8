#include "train/data_stream.hpp"

#include <cstring>

#include "util/error.hpp"

namespace vkvae::train {

DataStream::DataStream(vk::Context& context, const data::Dataset& data, const ops::Tensor& images, const ops::Tensor& labels,
                       int64_t half_rows)
    : data_(data), images_(images), labels_(labels), half_rows_(half_rows), image_bytes_(data.images.image_size()) {
  if (images.shape.rank() != 2 || images.shape[0] != 2 * half_rows || images.shape[1] != image_bytes_ ||
      (labels.buffer != nullptr && labels.shape[0] != 2 * half_rows)) {
    throw Error("internal: a data ring of " + images.shape.str() + " for halves of " + std::to_string(half_rows) + " images");
  }
  const auto rows = static_cast<VkDeviceSize>(2 * half_rows);
  staging_ = std::make_unique<vk::Buffer>(context.buffer(rows * static_cast<VkDeviceSize>(image_bytes_ + 1), vk::MemoryUse::Upload));
  if (staging_->mapped() == nullptr) throw Error("internal: staging memory is not host-visible");
}

void DataStream::stage(int half, std::span<const uint32_t> order, int64_t first, int64_t count) {
  if (count > half_rows_) throw Error("internal: staging " + std::to_string(count) + " images into a half of " + std::to_string(half_rows_));
  const auto d = static_cast<std::size_t>(image_bytes_);
  const int64_t n = data_.size();
  const bool labels = labels_.buffer != nullptr;
  std::byte* images = staging_->mapped() + static_cast<std::size_t>(half * half_rows_) * d;
  std::byte* label_bytes = staging_->mapped() + static_cast<std::size_t>(2 * half_rows_) * d + static_cast<std::size_t>(half * half_rows_);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t position = (first + i) % n;
    const auto index = static_cast<std::size_t>(order.empty() ? position : order[static_cast<std::size_t>(position)]);
    std::memcpy(images + static_cast<std::size_t>(i) * d, data_.images.pixels.data() + index * d, d);
    if (labels) label_bytes[i] = static_cast<std::byte>(data_.labels[index]);
  }
  const auto half_bytes = static_cast<VkDeviceSize>(half_rows_) * d;
  staging_->flush(static_cast<VkDeviceSize>(half) * half_bytes, half_bytes);
  if (labels) staging_->flush(2 * half_bytes + static_cast<VkDeviceSize>(half * half_rows_), static_cast<VkDeviceSize>(half_rows_));
}

void DataStream::record_load(vk::CommandBuffer& commands, int half) const {
  const auto d = static_cast<VkDeviceSize>(image_bytes_);
  const auto half_bytes = static_cast<VkDeviceSize>(half_rows_) * d, at = static_cast<VkDeviceSize>(half) * half_bytes;
  // The half was last read by a submit the host has seen finish; the barrier orders the copy
  // after any gather still in the queue all the same.
  commands.barrier(vk::kComputeRead, vk::kTransferWrite);
  commands.copy(*staging_, at, *images_.buffer, images_.offset + at, half_bytes);
  if (labels_.buffer != nullptr) {
    const auto label_at = static_cast<VkDeviceSize>(half * half_rows_);
    commands.copy(*staging_, 2 * half_bytes + label_at, *labels_.buffer, labels_.offset + label_at, static_cast<VkDeviceSize>(half_rows_));
  }
  commands.barrier(vk::kTransferWrite, vk::kComputeRead);
}

}  // namespace vkvae::train
