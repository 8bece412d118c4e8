// Recording compute work: dispatches with push descriptors and push constants, memory
// barriers, copies, fills and timestamps. One command pool per CommandBuffer, so recorders on
// different threads never share a pool.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <type_traits>

#include "vk/owned.hpp"

namespace vkvae::vk {

class Buffer;
class ComputePipeline;
class Device;
class TimestampQueries;

// A storage-buffer binding: the whole buffer by default.
struct BufferRange {
  const Buffer* buffer;
  VkDeviceSize offset = 0;
  VkDeviceSize size = VK_WHOLE_SIZE;
};

// Who touched memory before a barrier and who touches it after.
enum Access : uint32_t {
  kComputeRead = 1u << 0,
  kComputeWrite = 1u << 1,
  kTransferRead = 1u << 2,
  kTransferWrite = 1u << 3,
  kHostRead = 1u << 4,
  kHostWrite = 1u << 5,
  kFragmentRead = 1u << 6,  // a renderer's fragment shaders (graphics queues only)
};

struct Groups {
  uint32_t x = 1, y = 1, z = 1;
};

// Workgroups needed to cover `n` items with `per_group` items each.
constexpr uint32_t groups_for(uint64_t n, uint64_t per_group) {
  return static_cast<uint32_t>((n + per_group - 1) / per_group);
}

// The least maxComputeWorkGroupCount[0..2] the Vulkan specification allows a device.
constexpr uint32_t kMinGroupCountLimit = 65535;

// The workgroups of a one-dimensional job of `n` items, `per_group` each, laid over x and y so
// that neither passes kMinGroupCountLimit; shaders number them with linear_group()
// (shaders/linear_group.glsl).
constexpr Groups linear_groups(uint64_t n, uint64_t per_group) {
  const uint64_t groups = (n + per_group - 1) / per_group;
  const uint64_t rows = (groups + kMinGroupCountLimit - 1) / kMinGroupCountLimit;
  return {static_cast<uint32_t>(rows > 1 ? kMinGroupCountLimit : groups), static_cast<uint32_t>(rows == 0 ? 1 : rows), 1};
}

class CommandBuffer {
 public:
  // Records for queue family `family`. Reusable: begin() resets what was recorded before.
  CommandBuffer(const Device& device, uint32_t family);

  VkCommandBuffer handle() const { return buffer_; }
  uint32_t family() const { return family_; }

  enum class Use {
    kOnce,    // submitted once, then re-recorded
    kReplay,  // submitted again and again, also while earlier submissions are still pending
  };
  // Starts recording; resets whatever was recorded before.
  void begin(Use use = Use::kOnce);
  void end();

  // Binds `buffers` to bindings 0..n-1 and pushes `push` (pipeline.desc().push_constant_bytes).
  // Throws vkvae::Error on any mismatch with the pipeline or the device's limits.
  void dispatch(const ComputePipeline& pipeline, std::span<const BufferRange> buffers,
                std::span<const std::byte> push, Groups groups);
  void dispatch(const ComputePipeline& pipeline, std::initializer_list<BufferRange> buffers,
                std::span<const std::byte> push, Groups groups) {
    dispatch(pipeline, std::span<const BufferRange>(buffers.begin(), buffers.size()), push, groups);
  }
  // Pushes the bytes of a plain struct mirroring the shader's push_constant block.
  template <typename Push>
    requires std::is_standard_layout_v<Push>
  void dispatch(const ComputePipeline& pipeline, std::initializer_list<BufferRange> buffers,
                const Push& push, Groups groups) {
    const std::span<const std::byte> bytes = std::as_bytes(std::span<const Push, 1>(&push, 1));
    dispatch(pipeline, buffers, bytes, groups);
  }

  // A global memory barrier: everything in `before` is made visible to everything in `after`.
  void barrier(uint32_t before, uint32_t after);
  void copy(const Buffer& src, VkDeviceSize src_offset, const Buffer& dst, VkDeviceSize dst_offset,
            VkDeviceSize size);
  // Fills [offset, offset+size) with the 32-bit `word`; offset and size must be multiples of 4.
  void fill(const Buffer& dst, VkDeviceSize offset, VkDeviceSize size, uint32_t word);
  void reset_queries(const TimestampQueries& queries, uint32_t first, uint32_t count);
  // Written once all earlier commands have finished.
  void write_timestamp(const TimestampQueries& queries, uint32_t index);

  uint32_t dispatches() const { return dispatches_; }
  uint32_t barriers() const { return barriers_; }

 private:
  const Device& device_;
  uint32_t family_;
  OwnedCommandPool pool_;
  VkCommandBuffer buffer_ = VK_NULL_HANDLE;
  uint32_t dispatches_ = 0;
  uint32_t barriers_ = 0;
};

}  // namespace vkvae::vk
