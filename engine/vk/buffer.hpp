// A VkBuffer bound to a sub-allocation of a MemoryPool. The pool must outlive its buffers.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "vk/memory.hpp"
#include "vk/owned.hpp"

namespace vkvae::vk {

class Buffer {
 public:
  static constexpr VkBufferUsageFlags kDefaultUsage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                                      VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                                                      VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT;

  Buffer() = default;
  // Throws vkvae::Error for size 0.
  Buffer(MemoryPool& pool, VkDeviceSize size, MemoryUse use, VkBufferUsageFlags usage = kDefaultUsage);
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  VkBuffer handle() const { return buffer_.get(); }
  VkDeviceSize size() const { return size_; }
  MemoryUse use() const { return use_; }
  // The first byte when the memory is host-visible, else nullptr.
  std::byte* mapped() const { return allocation_.mapped; }
  // Host writes at [offset, offset+size) visible to the device / device writes visible to host.
  void flush(VkDeviceSize offset, VkDeviceSize size) const;
  void invalidate(VkDeviceSize offset, VkDeviceSize size) const;
  explicit operator bool() const { return static_cast<bool>(buffer_); }
  // An R32_SFLOAT view of [offset, offset+size), made on first use and kept while the buffer
  // lives (recorded command buffers refer to it). Thread safe: the viewer records its programs
  // while the trainer's thread records its own over the same parameters.
  VkBufferView texel_view(VkDeviceSize offset, VkDeviceSize size) const;

 private:
  void release();

  MemoryPool* pool_ = nullptr;
  OwnedBuffer buffer_;
  Allocation allocation_;
  VkDeviceSize size_ = 0;
  MemoryUse use_ = MemoryUse::DeviceLocal;
  struct TexelViews {
    std::mutex mutex;
    std::map<std::pair<VkDeviceSize, VkDeviceSize>, OwnedBufferView> views;
  };
  std::unique_ptr<TexelViews> texel_views_ = std::make_unique<TexelViews>();
};

}  // namespace vkvae::vk
