#include "vk/buffer.hpp"

#include <utility>

#include "util/error.hpp"
#include "vk/check.hpp"
#include "vk/device.hpp"

namespace vkvae::vk {

Buffer::Buffer(MemoryPool& pool, VkDeviceSize size, MemoryUse use, VkBufferUsageFlags usage)
    : pool_(&pool), size_(size), use_(use) {
  if (size == 0) throw Error("cannot create a buffer of 0 bytes; every tensor needs ≥ 1 element");
  const Device& device = pool.device();
  const uint32_t families[] = {device.info().compute_family.value_or(0),
                               device.info().transfer_family.value_or(0)};
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = size;
  info.usage = usage;
  if (device.info().buffer_device_address) {
    info.usage |= VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  }
  // With a dedicated transfer queue, uploads and compute share buffers without ownership
  // transfers; the cost of concurrent sharing on buffers is negligible.
  if (device.info().transfer_family) {
    info.sharingMode = VK_SHARING_MODE_CONCURRENT;
    info.queueFamilyIndexCount = 2;
    info.pQueueFamilyIndices = families;
  } else {
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  }
  VkBuffer buffer = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateBuffer(device.handle(), &info, nullptr, &buffer));
  buffer_ = OwnedBuffer(device.handle(), buffer);

  VkMemoryRequirements requirements{};
  vkGetBufferMemoryRequirements(device.handle(), buffer, &requirements);
  allocation_ = pool.allocate(requirements, use);
  VkResult bound = vkBindBufferMemory(device.handle(), buffer, allocation_.memory, allocation_.offset);
  if (bound < 0) {
    release();
    check(bound, "vkBindBufferMemory");
  }
}

Buffer::Buffer(Buffer&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      buffer_(std::move(other.buffer_)),
      allocation_(std::exchange(other.allocation_, Allocation{})),
      size_(std::exchange(other.size_, 0)),
      use_(other.use_),
      texel_views_(std::move(other.texel_views_)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    buffer_ = std::move(other.buffer_);
    allocation_ = std::exchange(other.allocation_, Allocation{});
    size_ = std::exchange(other.size_, 0);
    use_ = other.use_;
    texel_views_ = std::move(other.texel_views_);
  }
  return *this;
}

Buffer::~Buffer() { release(); }

void Buffer::release() {
  if (texel_views_) texel_views_->views.clear();  // views die before their buffer
  buffer_.reset();  // the buffer dies before the memory it is bound to
  if (pool_ != nullptr && allocation_) pool_->free(allocation_);
  allocation_ = Allocation{};
}

VkBufferView Buffer::texel_view(VkDeviceSize offset, VkDeviceSize size) const {
  const std::lock_guard lock(texel_views_->mutex);
  auto& slot = texel_views_->views[{offset, size}];
  if (!slot) {
    const VkDevice device = pool_->device().handle();
    VkBufferViewCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
    info.buffer = handle();
    info.format = VK_FORMAT_R32_SFLOAT;
    info.offset = offset;
    info.range = size;
    VkBufferView view = VK_NULL_HANDLE;
    VKVAE_CHECK(vkCreateBufferView(device, &info, nullptr, &view));
    slot = OwnedBufferView(device, view);
  }
  return slot.get();
}

void Buffer::flush(VkDeviceSize offset, VkDeviceSize size) const {
  pool_->flush(allocation_, offset, size);
}

void Buffer::invalidate(VkDeviceSize offset, VkDeviceSize size) const {
  pool_->invalidate(allocation_, offset, size);
}

}  // namespace vkvae::vk
