// Compute pipelines built from embedded SPIR-V. Storage buffers are bound with push descriptors
// (set 0, bindings 0..n-1), sizes travel in push constants, variants in specialization constants.
#pragma once

#include <vulkan/vulkan.h>

#include <bit>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "vk/owned.hpp"

namespace vkvae::vk {

class Device;
class PipelineCache;

struct SpecConstant {
  uint32_t id;
  uint32_t bits;  // the 32-bit value as the shader declares it (uint, int or float)
  static SpecConstant u32(uint32_t id, uint32_t value) { return {id, value}; }
  static SpecConstant f32(uint32_t id, float value) { return {id, std::bit_cast<uint32_t>(value)}; }
};

struct PipelineDesc {
  std::string shader;               // shaders/<shader>.comp
  uint32_t storage_buffers = 1;     // bindings 0 .. storage_buffers-1 of set 0
  uint32_t push_constant_bytes = 0; // must match the shader's push_constant block
  std::vector<SpecConstant> specialization;
  // Bit i: binding i is a read-only uniform texel buffer (an R32_SFLOAT view, `textureBuffer`
  // in the shader) instead of a storage buffer. See docs/ARCHITECTURE.md, "Texel-buffer inputs".
  uint32_t texel_buffers = 0;
  // Workgroup (shared) memory the kernel declares past the 16 KiB every device has, checked
  // against the device's limit when the pipeline is made (0: within the guaranteed minimum).
  uint32_t shared_bytes = 0;
};

class ComputePipeline {
 public:
  // Throws vkvae::Error for an unknown shader or limits the device cannot meet.
  ComputePipeline(const Device& device, const PipelineCache& cache, const PipelineDesc& desc);

  VkPipeline handle() const { return pipeline_.get(); }
  VkPipelineLayout layout() const { return layout_.get(); }
  const PipelineDesc& desc() const { return desc_; }
  // Host time vkCreateComputePipelines took.
  std::chrono::nanoseconds creation_time() const { return creation_time_; }
  // True when the driver reported the pipeline came from the cache (creation feedback).
  bool cache_hit() const { return cache_hit_; }

 private:
  PipelineDesc desc_;
  OwnedDescriptorSetLayout set_layout_;
  OwnedPipelineLayout layout_;
  OwnedPipeline pipeline_;
  std::chrono::nanoseconds creation_time_{0};
  bool cache_hit_ = false;
};

}  // namespace vkvae::vk
