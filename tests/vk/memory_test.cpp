// Sub-allocation: alignment, no overlap, reuse of freed ranges, dedicated blocks, type choice.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::vk {
namespace {

class Memory : public test::VulkanTest {
 protected:
  // Requirements any buffer on this device could have: all memory types allowed.
  VkMemoryRequirements requirements(VkDeviceSize size, VkDeviceSize alignment) {
    return {size, alignment, (1u << context().device().memory_properties().memoryTypeCount) - 1};
  }
};

TEST_F(Memory, ManySmallBuffersShareOneBlock) {
  MemoryPool& pool = context().memory();
  std::vector<Buffer> buffers;
  for (int i = 0; i < 100; ++i) buffers.emplace_back(pool, 1000 + i, MemoryUse::DeviceLocal);
  const MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.allocations, 100u);
  EXPECT_EQ(stats.blocks, 1u);
  EXPECT_GE(stats.used, 100u * 1000u);
  buffers.clear();
  EXPECT_EQ(pool.stats().allocations, 0u);
  EXPECT_EQ(pool.stats().used, 0u);
}

TEST_F(Memory, OffsetsAreAlignedAndRangesNeverOverlap) {
  MemoryPool& pool = context().memory();
  std::mt19937 rng(7);
  std::vector<Allocation> live;
  for (int round = 0; round < 2000; ++round) {
    if (!live.empty() && rng() % 3 == 0) {
      const std::size_t victim = rng() % live.size();
      pool.free(live[victim]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
      continue;
    }
    const VkDeviceSize alignment = VkDeviceSize{1} << (rng() % 9);  // 1 .. 256
    const VkDeviceSize size = 1 + rng() % 70000;
    const Allocation a = pool.allocate(requirements(size, alignment), MemoryUse::DeviceLocal);
    ASSERT_EQ(a.offset % alignment, 0u);
    ASSERT_GE(a.size, size);
    for (const Allocation& b : live) {
      if (a.memory != b.memory) continue;
      const bool disjoint = a.offset + a.size <= b.offset || b.offset + b.size <= a.offset;
      ASSERT_TRUE(disjoint) << "[" << a.offset << ", +" << a.size << ") overlaps [" << b.offset
                            << ", +" << b.size << ")";
    }
    live.push_back(a);
  }
  for (const Allocation& a : live) pool.free(a);
  EXPECT_EQ(pool.stats().used, 0u);
}

TEST_F(Memory, FreedRangesCoalesceAndAreReused) {
  MemoryPool& pool = context().memory();
  const Allocation a = pool.allocate(requirements(4096, 256), MemoryUse::DeviceLocal);
  const Allocation b = pool.allocate(requirements(4096, 256), MemoryUse::DeviceLocal);
  const Allocation c = pool.allocate(requirements(4096, 256), MemoryUse::DeviceLocal);
  pool.free(a);
  pool.free(b);
  // a and b merged back into one 8 KiB hole at a's offset.
  const Allocation d = pool.allocate(requirements(8192, 256), MemoryUse::DeviceLocal);
  EXPECT_EQ(d.memory, a.memory);
  EXPECT_EQ(d.offset, a.offset);
  pool.free(c);
  pool.free(d);
  EXPECT_EQ(pool.stats().blocks, 1u);
  EXPECT_EQ(pool.stats().used, 0u);
}

TEST_F(Memory, LargeRequestsGetADedicatedBlockReleasedWithThem) {
  MemoryPool& pool = context().memory();
  const uint32_t before = pool.stats().blocks;
  {
    Buffer big(pool, MemoryPool::kDefaultBlockSize, MemoryUse::DeviceLocal);
    EXPECT_EQ(pool.stats().blocks, before + 1);
    EXPECT_GE(pool.stats().reserved, MemoryPool::kDefaultBlockSize);
  }
  EXPECT_EQ(pool.stats().blocks, before);
}

TEST_F(Memory, TypeChoiceMatchesTheUse) {
  MemoryPool& pool = context().memory();
  const auto& props = context().device().memory_properties();
  const uint32_t all = (1u << props.memoryTypeCount) - 1;
  const auto flags = [&](MemoryUse use) { return props.memoryTypes[pool.choose_type(all, use)].propertyFlags; };
  EXPECT_TRUE(flags(MemoryUse::DeviceLocal) & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  EXPECT_TRUE(flags(MemoryUse::Upload) & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
  EXPECT_TRUE(flags(MemoryUse::Readback) & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
  EXPECT_THROW(pool.choose_type(0, MemoryUse::DeviceLocal), Error);
}

TEST_F(Memory, HostVisibleBuffersAreMapped) {
  Buffer upload(context().memory(), 17, MemoryUse::Upload);
  ASSERT_NE(upload.mapped(), nullptr);
  upload.mapped()[16] = std::byte{42};  // the last byte is ours to write
  upload.flush(0, 17);
}

TEST_F(Memory, ZeroSizedBufferIsAClearError) {
  EXPECT_THROW(Buffer(context().memory(), 0, MemoryUse::DeviceLocal), Error);
}

}  // namespace
}  // namespace vkvae::vk
