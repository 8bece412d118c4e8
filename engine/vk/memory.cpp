#include "vk/memory.hpp"

#include <algorithm>
#include <string>

#include "util/error.hpp"
#include "util/format.hpp"
#include "vk/check.hpp"
#include "vk/device.hpp"

namespace vkvae::vk {
namespace {

VkDeviceSize align_up(VkDeviceSize value, VkDeviceSize alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

VkDeviceSize align_down(VkDeviceSize value, VkDeviceSize alignment) {
  return value / alignment * alignment;
}

struct TypeWish {
  VkMemoryPropertyFlags required;
  VkMemoryPropertyFlags preferred;
  VkMemoryPropertyFlags avoided;
};

TypeWish wish_for(MemoryUse use) {
  switch (use) {
    case MemoryUse::DeviceLocal:
      // Avoid host-visible device memory: on discrete GPUs without resizable BAR it is a small
      // heap that staging and the viewer need more.
      return {VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT};
    case MemoryUse::Upload:
      return {VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
              VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT};
    case MemoryUse::Readback:
      return {VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
              VK_MEMORY_PROPERTY_HOST_CACHED_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
              VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT};
  }
  return {};
}

}  // namespace

MemoryPool::MemoryPool(const Device& device, VkDeviceSize block_size)
    : device_(device), block_size_(block_size) {
  const VkDeviceSize cap = device.info().max_memory_allocation_size;
  if (cap != 0) block_size_ = std::min(block_size_, cap);
}

MemoryPool::~MemoryPool() = default;

uint32_t MemoryPool::choose_type(uint32_t type_bits, MemoryUse use) const {
  const auto& props = device_.memory_properties();
  const TypeWish wish = wish_for(use);
  int best_score = -1;
  uint32_t best = UINT32_MAX;
  for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    if ((type_bits & (1u << i)) == 0) continue;
    const VkMemoryPropertyFlags flags = props.memoryTypes[i].propertyFlags;
    // Device-local is a wish on devices that have none (some software drivers); host
    // visibility is a need for staging.
    const bool needs_host = (wish.required & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) != 0;
    if (needs_host && (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) == 0) continue;
    int score = 0;
    if ((flags & wish.required) == wish.required) score += 100;
    score += 10 * __builtin_popcount(flags & wish.preferred);
    score -= 5 * __builtin_popcount(flags & wish.avoided);
    score += 50;  // keep every candidate above "none"
    if (score > best_score) {
      best_score = score;
      best = i;
    }
  }
  if (best == UINT32_MAX) {
    throw Error("device " + device_.info().name +
                " offers no memory type for this buffer (type bits " + std::to_string(type_bits) +
                "); this is a driver limitation, try another device with --device");
  }
  return best;
}

uint32_t MemoryPool::new_block(VkDeviceSize size, uint32_t type, bool dedicated) {
  uint32_t live = 0;
  for (const auto& b : blocks_) live += b != nullptr;
  if (live >= device_.info().max_memory_allocations) {
    throw Error("device " + device_.info().name + " allows only " +
                std::to_string(device_.info().max_memory_allocations) +
                " memory allocations and vkvae needs more; this is a vkvae bug, please report it");
  }
  VkMemoryAllocateFlagsInfo flags{};
  flags.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO;
  flags.flags = device_.info().buffer_device_address ? VkMemoryAllocateFlags{VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT} : 0u;
  VkMemoryAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  info.pNext = &flags;
  info.allocationSize = size;
  info.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkResult result = vkAllocateMemory(device_.handle(), &info, nullptr, &memory);
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY) {
    const std::string hint = "could not reserve " + format_bytes(size) + " on " +
                             device_.info().name +
                             "; use a smaller batch or model, or a device with more memory";
    throw_vulkan_error(result, "vkAllocateMemory", std::source_location::current(), hint.c_str());
  }
  VKVAE_CHECK(result);

  auto block = std::make_unique<Block>();
  block->memory = OwnedMemory(device_.handle(), memory);
  block->size = size;
  block->type = type;
  block->dedicated = dedicated;
  const VkMemoryPropertyFlags props = device_.memory_properties().memoryTypes[type].propertyFlags;
  block->coherent = (props & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
  if ((props & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) != 0) {
    void* mapped = nullptr;
    VKVAE_CHECK(vkMapMemory(device_.handle(), memory, 0, VK_WHOLE_SIZE, 0, &mapped));
    block->mapped = static_cast<std::byte*>(mapped);
  }
  block->free_ranges.emplace(0, size);

  for (uint32_t i = 0; i < blocks_.size(); ++i) {
    if (blocks_[i] == nullptr) {
      blocks_[i] = std::move(block);
      return i;
    }
  }
  blocks_.push_back(std::move(block));
  return static_cast<uint32_t>(blocks_.size() - 1);
}

bool MemoryPool::carve(Block& block, VkDeviceSize size, VkDeviceSize alignment,
                       VkDeviceSize& offset) {
  for (auto it = block.free_ranges.begin(); it != block.free_ranges.end(); ++it) {
    const VkDeviceSize start = it->first;
    const VkDeviceSize end = it->first + it->second;
    const VkDeviceSize aligned = align_up(start, alignment);
    if (aligned + size > end) continue;
    block.free_ranges.erase(it);
    if (aligned > start) block.free_ranges.emplace(start, aligned - start);
    if (aligned + size < end) block.free_ranges.emplace(aligned + size, end - aligned - size);
    offset = aligned;
    return true;
  }
  return false;
}

Allocation MemoryPool::allocate(const VkMemoryRequirements& requirements, MemoryUse use) {
  const uint32_t type = choose_type(requirements.memoryTypeBits, use);
  const VkMemoryPropertyFlags props = device_.memory_properties().memoryTypes[type].propertyFlags;
  VkDeviceSize alignment = std::max<VkDeviceSize>(requirements.alignment, 1);
  VkDeviceSize size = requirements.size;
  // Non-coherent ranges are flushed in whole atoms; aligning both ends keeps a flush of one
  // allocation from touching a neighbour's bytes.
  if ((props & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) != 0 &&
      (props & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) == 0) {
    const VkDeviceSize atom = std::max<VkDeviceSize>(device_.info().non_coherent_atom_size, 1);
    alignment = std::max(alignment, atom);
    size = align_up(size, atom);
  }

  std::lock_guard lock(mutex_);
  uint32_t index = UINT32_MAX;
  VkDeviceSize offset = 0;
  if (size > block_size_ / 2) {
    index = new_block(size, type, /*dedicated=*/true);
    carve(*blocks_[index], size, alignment, offset);
  } else {
    for (uint32_t i = 0; i < blocks_.size() && index == UINT32_MAX; ++i) {
      Block* b = blocks_[i].get();
      if (b != nullptr && !b->dedicated && b->type == type && carve(*b, size, alignment, offset)) {
        index = i;
      }
    }
    if (index == UINT32_MAX) {
      index = new_block(block_size_, type, /*dedicated=*/false);
      carve(*blocks_[index], size, alignment, offset);
    }
  }
  Block& block = *blocks_[index];
  ++block.allocations;
  Allocation a;
  a.block = index;
  a.memory = block.memory.get();
  a.offset = offset;
  a.size = size;
  a.mapped = block.mapped != nullptr ? block.mapped + offset : nullptr;
  a.coherent = block.coherent;
  return a;
}

void MemoryPool::free(const Allocation& allocation) {
  if (!allocation) return;
  std::lock_guard lock(mutex_);
  Block& block = *blocks_.at(allocation.block);
  --block.allocations;
  if (block.dedicated) {
    blocks_[allocation.block].reset();
    return;
  }
  auto [it, inserted] = block.free_ranges.emplace(allocation.offset, allocation.size);
  // Coalesce with the following and the preceding free range.
  auto next = std::next(it);
  if (next != block.free_ranges.end() && it->first + it->second == next->first) {
    it->second += next->second;
    block.free_ranges.erase(next);
  }
  if (it != block.free_ranges.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      block.free_ranges.erase(it);
    }
  }
}

MemoryStats MemoryPool::stats() const {
  std::lock_guard lock(mutex_);
  MemoryStats s;
  for (const auto& b : blocks_) {
    if (b == nullptr) continue;
    ++s.blocks;
    s.reserved += b->size;
    s.allocations += b->allocations;
    VkDeviceSize free_bytes = 0;
    for (const auto& [offset, size] : b->free_ranges) free_bytes += size;
    s.used += b->size - free_bytes;
  }
  return s;
}

void MemoryPool::range_op(const Allocation& allocation, VkDeviceSize offset, VkDeviceSize size,
                          bool flush) const {
  if (allocation.coherent || size == 0) return;
  const VkDeviceSize atom = std::max<VkDeviceSize>(device_.info().non_coherent_atom_size, 1);
  VkMappedMemoryRange range{};
  range.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE;
  range.memory = allocation.memory;
  range.offset = align_down(allocation.offset + offset, atom);
  range.size = std::min(align_up(allocation.offset + offset + size, atom),
                        allocation.offset + allocation.size) - range.offset;
  if (flush) {
    VKVAE_CHECK(vkFlushMappedMemoryRanges(device_.handle(), 1, &range));
  } else {
    VKVAE_CHECK(vkInvalidateMappedMemoryRanges(device_.handle(), 1, &range));
  }
}

void MemoryPool::flush(const Allocation& allocation, VkDeviceSize offset, VkDeviceSize size) const {
  range_op(allocation, offset, size, true);
}

void MemoryPool::invalidate(const Allocation& allocation, VkDeviceSize offset,
                            VkDeviceSize size) const {
  range_op(allocation, offset, size, false);
}

}  // namespace vkvae::vk
