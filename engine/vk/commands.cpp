#include "vk/commands.hpp"

#include <string>
#include <vector>

#include "util/error.hpp"
#include "vk/buffer.hpp"
#include "vk/check.hpp"
#include "vk/device.hpp"
#include "vk/pipeline.hpp"
#include "vk/timestamps.hpp"

namespace vkvae::vk {
namespace {

void stages_and_access(uint32_t accesses, VkPipelineStageFlags& stages, VkAccessFlags& access) {
  stages = 0;
  access = 0;
  if (accesses & kComputeRead) {
    stages |= VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    access |= VK_ACCESS_SHADER_READ_BIT;
  }
  if (accesses & kComputeWrite) {
    stages |= VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    access |= VK_ACCESS_SHADER_WRITE_BIT;
  }
  if (accesses & kTransferRead) {
    stages |= VK_PIPELINE_STAGE_TRANSFER_BIT;
    access |= VK_ACCESS_TRANSFER_READ_BIT;
  }
  if (accesses & kTransferWrite) {
    stages |= VK_PIPELINE_STAGE_TRANSFER_BIT;
    access |= VK_ACCESS_TRANSFER_WRITE_BIT;
  }
  if (accesses & kFragmentRead) {
    stages |= VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT;
    access |= VK_ACCESS_SHADER_READ_BIT;
  }
  if (accesses & kHostRead) {
    stages |= VK_PIPELINE_STAGE_HOST_BIT;
    access |= VK_ACCESS_HOST_READ_BIT;
  }
  if (accesses & kHostWrite) {
    stages |= VK_PIPELINE_STAGE_HOST_BIT;
    access |= VK_ACCESS_HOST_WRITE_BIT;
  }
}

}  // namespace

CommandBuffer::CommandBuffer(const Device& device, uint32_t family)
    : device_(device), family_(family) {
  VkCommandPoolCreateInfo pool_info{};
  pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool_info.queueFamilyIndex = family;
  VkCommandPool pool = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateCommandPool(device.handle(), &pool_info, nullptr, &pool));
  pool_ = OwnedCommandPool(device.handle(), pool);

  VkCommandBufferAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  alloc.commandPool = pool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VKVAE_CHECK(vkAllocateCommandBuffers(device.handle(), &alloc, &buffer_));  // freed with the pool
}

void CommandBuffer::begin(Use use) {
  VKVAE_CHECK(vkResetCommandPool(device_.handle(), pool_.get(), 0));
  dispatches_ = 0;
  barriers_ = 0;
  VkCommandBufferBeginInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  // A replayed step program is queued many times ahead of the GPU, so it must allow
  // simultaneous use; a one-off buffer tells the driver it may optimise for a single submit.
  info.flags = use == Use::kOnce ? VkCommandBufferUsageFlags{VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT}
                                 : VkCommandBufferUsageFlags{VK_COMMAND_BUFFER_USAGE_SIMULTANEOUS_USE_BIT};
  VKVAE_CHECK(vkBeginCommandBuffer(buffer_, &info));
}

void CommandBuffer::end() { VKVAE_CHECK(vkEndCommandBuffer(buffer_)); }

void CommandBuffer::dispatch(const ComputePipeline& pipeline, std::span<const BufferRange> buffers,
                             std::span<const std::byte> push, Groups groups) {
  const PipelineDesc& desc = pipeline.desc();
  const DeviceInfo& info = device_.info();
  const std::string who = "dispatch of '" + desc.shader + "'";
  if (buffers.size() != desc.storage_buffers) {
    throw Error(who + ": " + std::to_string(buffers.size()) + " buffers bound, the pipeline has " +
                std::to_string(desc.storage_buffers));
  }
  if (push.size() != desc.push_constant_bytes) {
    throw Error(who + ": " + std::to_string(push.size()) + " push-constant bytes, the pipeline takes " +
                std::to_string(desc.push_constant_bytes));
  }
  const uint32_t counts[3] = {groups.x, groups.y, groups.z};
  for (int i = 0; i < 3; ++i) {
    if (counts[i] > info.max_workgroup_count[i]) {
      throw Error(who + ": " + std::to_string(counts[i]) + " workgroups in dimension " +
                  std::to_string(i) + " exceed the device's " +
                  std::to_string(info.max_workgroup_count[i]));
    }
  }

  std::vector<VkDescriptorBufferInfo> infos(buffers.size());
  std::vector<VkWriteDescriptorSet> writes(buffers.size());
  std::vector<VkBufferView> views(buffers.size());
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const BufferRange& b = buffers[i];
    if (b.buffer == nullptr || !*b.buffer) throw Error(who + ": binding " + std::to_string(i) + " is empty");
    const VkDeviceSize size = b.size == VK_WHOLE_SIZE ? b.buffer->size() - b.offset : b.size;
    if (b.offset >= b.buffer->size() || size == 0 || b.offset + size > b.buffer->size()) {
      throw Error(who + ": binding " + std::to_string(i) + " range [" + std::to_string(b.offset) +
                  ", +" + std::to_string(size) + ") lies outside its " +
                  std::to_string(b.buffer->size()) + "-byte buffer");
    }
    // A storage binding, or a texel binding (PipelineDesc::texel_buffers) with its own limits.
    const bool texel = (desc.texel_buffers >> i) & 1u;
    const std::string binding = who + (texel ? ": texel binding " : ": binding ") + std::to_string(i);
    const uint64_t max_bytes = texel ? info.max_texel_buffer_elements * 4 : info.max_storage_buffer_range;
    const char* max_name = texel ? "maxTexelBufferElements × 4 bytes" : "maxStorageBufferRange";
    if (size > max_bytes || (texel && size % 4 != 0)) {
      throw Error(binding + " spans " + std::to_string(size) + " bytes; it must be" +
                  (texel ? " whole floats," : "") + " at most the device's " + max_name + " (" +
                  std::to_string(max_bytes) + "): bind it in pieces");
    }
    const uint64_t alignment = texel ? info.min_texel_buffer_offset_alignment : info.min_storage_buffer_offset_alignment;
    if (b.offset % alignment != 0) {
      throw Error(binding + " offset " + std::to_string(b.offset) + " is not a multiple of the device's " +
                  (texel ? "minTexelBufferOffsetAlignment" : "minStorageBufferOffsetAlignment") + " (" +
                  std::to_string(alignment) + ")");
    }
    writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[i].dstBinding = static_cast<uint32_t>(i);
    writes[i].descriptorCount = 1;
    if (texel) {
      views[i] = b.buffer->texel_view(b.offset, size);
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      writes[i].pTexelBufferView = &views[i];
    } else {
      infos[i] = {b.buffer->handle(), b.offset, size};
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &infos[i];
    }
  }

  vkCmdBindPipeline(buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle());
  device_.push_descriptor_set()(buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout(), 0,
                                static_cast<uint32_t>(writes.size()), writes.data());
  if (!push.empty()) {
    vkCmdPushConstants(buffer_, pipeline.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       static_cast<uint32_t>(push.size()), push.data());
  }
  vkCmdDispatch(buffer_, groups.x, groups.y, groups.z);
  ++dispatches_;
}

void CommandBuffer::barrier(uint32_t before, uint32_t after) {
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  VkPipelineStageFlags src = 0, dst = 0;
  stages_and_access(before, src, barrier.srcAccessMask);
  stages_and_access(after, dst, barrier.dstAccessMask);
  if (src == 0 || dst == 0) throw Error("a barrier needs accesses on both sides");
  vkCmdPipelineBarrier(buffer_, src, dst, 0, 1, &barrier, 0, nullptr, 0, nullptr);
  ++barriers_;
}

void CommandBuffer::copy(const Buffer& src, VkDeviceSize src_offset, const Buffer& dst,
                         VkDeviceSize dst_offset, VkDeviceSize size) {
  if (size == 0) return;
  if (src_offset + size > src.size() || dst_offset + size > dst.size()) {
    throw Error("copy of " + std::to_string(size) + " bytes runs past the end of a buffer (source " +
                std::to_string(src.size()) + " bytes from " + std::to_string(src_offset) +
                ", destination " + std::to_string(dst.size()) + " bytes from " +
                std::to_string(dst_offset) + ")");
  }
  VkBufferCopy region{src_offset, dst_offset, size};
  vkCmdCopyBuffer(buffer_, src.handle(), dst.handle(), 1, &region);
}

void CommandBuffer::fill(const Buffer& dst, VkDeviceSize offset, VkDeviceSize size, uint32_t word) {
  if (offset % 4 != 0 || size % 4 != 0 || offset + size > dst.size()) {
    throw Error("fill of [" + std::to_string(offset) + ", +" + std::to_string(size) +
                ") in a " + std::to_string(dst.size()) +
                "-byte buffer: offset and size must be multiples of 4 inside the buffer");
  }
  if (size == 0) return;
  vkCmdFillBuffer(buffer_, dst.handle(), offset, size, word);
}

void CommandBuffer::reset_queries(const TimestampQueries& queries, uint32_t first, uint32_t count) {
  vkCmdResetQueryPool(buffer_, queries.handle(), first, count);
}

void CommandBuffer::write_timestamp(const TimestampQueries& queries, uint32_t index) {
  if (index >= queries.count()) {
    throw Error("timestamp query " + std::to_string(index) + " past the pool's " +
                std::to_string(queries.count()));
  }
  vkCmdWriteTimestamp(buffer_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries.handle(), index);
}

}  // namespace vkvae::vk
