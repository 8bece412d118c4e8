// Device memory: a few large VkDeviceMemory blocks, sub-allocated first-fit with alignment.
// Drivers cap the number of allocations (NVIDIA ~4096), so buffers never get one each.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "vk/owned.hpp"

namespace vkvae::vk {

class Device;

enum class MemoryUse {
  DeviceLocal,  // what shaders read and write; host-visible too on UMA devices and lavapipe
  Upload,       // host writes, device reads once (staging)
  Readback,     // device writes, host reads (prefers cached memory)
};

struct Allocation {
  uint32_t block = UINT32_MAX;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
  std::byte* mapped = nullptr;  // the allocation's first byte when host-visible
  bool coherent = true;
  explicit operator bool() const { return memory != VK_NULL_HANDLE; }
};

struct MemoryStats {
  uint32_t blocks = 0;          // live VkDeviceMemory objects
  VkDeviceSize reserved = 0;    // bytes in those blocks
  VkDeviceSize used = 0;        // bytes handed out (after alignment)
  uint32_t allocations = 0;     // live sub-allocations
};

class MemoryPool {
 public:
  static constexpr VkDeviceSize kDefaultBlockSize = VkDeviceSize{64} << 20;

  explicit MemoryPool(const Device& device, VkDeviceSize block_size = kDefaultBlockSize);
  ~MemoryPool();
  MemoryPool(const MemoryPool&) = delete;
  MemoryPool& operator=(const MemoryPool&) = delete;

  const Device& device() const { return device_; }
  Allocation allocate(const VkMemoryRequirements& requirements, MemoryUse use);
  void free(const Allocation& allocation);
  MemoryStats stats() const;

  // For non-coherent host-visible memory: make host writes visible to the device, and device
  // writes (after a completed submit) visible to the host. No-ops on coherent memory.
  void flush(const Allocation& allocation, VkDeviceSize offset, VkDeviceSize size) const;
  void invalidate(const Allocation& allocation, VkDeviceSize offset, VkDeviceSize size) const;

  // The memory type `use` would get for `type_bits`; exposed for tests and listings.
  uint32_t choose_type(uint32_t type_bits, MemoryUse use) const;

 private:
  struct Block {
    OwnedMemory memory;
    VkDeviceSize size = 0;
    uint32_t type = 0;
    std::byte* mapped = nullptr;
    bool coherent = true;
    bool dedicated = false;  // holds exactly one large allocation; freed with it
    std::map<VkDeviceSize, VkDeviceSize> free_ranges;  // offset -> size, coalesced
    uint32_t allocations = 0;
  };

  uint32_t new_block(VkDeviceSize size, uint32_t type, bool dedicated);
  bool carve(Block& block, VkDeviceSize size, VkDeviceSize alignment, VkDeviceSize& offset);
  void range_op(const Allocation& allocation, VkDeviceSize offset, VkDeviceSize size,
                bool flush) const;

  const Device& device_;
  VkDeviceSize block_size_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Block>> blocks_;  // freed dedicated blocks leave a nullptr slot
};

}  // namespace vkvae::vk
