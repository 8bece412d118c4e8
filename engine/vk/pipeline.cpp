#include "vk/pipeline.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "shaders/embedded.hpp"
#include "util/error.hpp"
#include "vk/check.hpp"
#include "vk/device.hpp"
#include "vk/pipeline_cache.hpp"

namespace vkvae::vk {
namespace {

constexpr uint32_t kMaxStorageBuffers = 16;

}  // namespace

ComputePipeline::ComputePipeline(const Device& device, const PipelineCache& cache,
                                 const PipelineDesc& desc)
    : desc_(desc) {
  const DeviceInfo& info = device.info();
  const std::string who = "pipeline '" + desc.shader + "'";
  if (desc.storage_buffers == 0 || desc.storage_buffers > kMaxStorageBuffers) {
    throw Error(who + ": " + std::to_string(desc.storage_buffers) +
                " storage buffers; a pipeline binds 1 to " + std::to_string(kMaxStorageBuffers));
  }
  if (desc.push_constant_bytes % 4 != 0 || desc.push_constant_bytes > info.max_push_constants_bytes) {
    throw Error(who + ": " + std::to_string(desc.push_constant_bytes) +
                " push-constant bytes; must be a multiple of 4 and at most " +
                std::to_string(info.max_push_constants_bytes) + " on " + info.name);
  }
  // The kernel's demands against the device's limits, named, before the driver sees them.
  // Every kernel's workgroup size is its specialization constant 0 (local_size_x_id = 0).
  for (const SpecConstant& c : desc.specialization) {
    if (c.id == 0 && (c.bits > info.max_workgroup_invocations || c.bits > info.max_workgroup_size_x)) {
      throw Error(who + ": a workgroup of " + std::to_string(c.bits) + " invocations; " + info.name + " allows " +
                  std::to_string(std::min(info.max_workgroup_invocations, info.max_workgroup_size_x)));
    }
  }
  if (desc.shared_bytes > info.max_shared_memory_bytes) {
    throw Error(who + ": " + std::to_string(desc.shared_bytes) + " bytes of shared memory; " + info.name + " has " +
                std::to_string(info.max_shared_memory_bytes));
  }
  const auto texel_count = static_cast<uint32_t>(std::popcount(desc.texel_buffers));
  if (desc.storage_buffers - texel_count > info.max_storage_buffers_per_stage || texel_count > info.max_sampled_images_per_stage) {
    throw Error(who + ": " + std::to_string(desc.storage_buffers - texel_count) + " storage and " + std::to_string(texel_count) +
                " texel buffers; " + info.name + " allows " + std::to_string(info.max_storage_buffers_per_stage) + " and " +
                std::to_string(info.max_sampled_images_per_stage) + " a stage");
  }
  std::span<const uint32_t> code;
  try {
    code = shaders::spirv(desc.shader);
  } catch (const std::invalid_argument& e) {
    throw Error(e.what());
  }

  std::vector<VkDescriptorSetLayoutBinding> bindings(desc.storage_buffers);
  for (uint32_t i = 0; i < desc.storage_buffers; ++i) {
    bindings[i].binding = i;
    bindings[i].descriptorType = (desc.texel_buffers >> i) & 1u ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                                                : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo set_info{};
  set_info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  set_info.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  set_info.bindingCount = desc.storage_buffers;
  set_info.pBindings = bindings.data();
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateDescriptorSetLayout(device.handle(), &set_info, nullptr, &set_layout));
  set_layout_ = OwnedDescriptorSetLayout(device.handle(), set_layout);

  VkPushConstantRange push{};
  push.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  push.size = desc.push_constant_bytes;
  VkPipelineLayoutCreateInfo layout_info{};
  layout_info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout;
  layout_info.pushConstantRangeCount = desc.push_constant_bytes > 0 ? 1u : 0u;
  layout_info.pPushConstantRanges = &push;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreatePipelineLayout(device.handle(), &layout_info, nullptr, &layout));
  layout_ = OwnedPipelineLayout(device.handle(), layout);

  VkShaderModuleCreateInfo module_info{};
  module_info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  module_info.codeSize = code.size_bytes();
  module_info.pCode = code.data();
  VkShaderModule module = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateShaderModule(device.handle(), &module_info, nullptr, &module));
  OwnedShaderModule owned_module(device.handle(), module);  // only needed until creation

  std::vector<VkSpecializationMapEntry> entries;
  std::vector<uint32_t> values;
  for (const SpecConstant& c : desc.specialization) {
    entries.push_back({c.id, static_cast<uint32_t>(values.size() * sizeof(uint32_t)), sizeof(uint32_t)});
    values.push_back(c.bits);
  }
  VkSpecializationInfo specialization{};
  specialization.mapEntryCount = static_cast<uint32_t>(entries.size());
  specialization.pMapEntries = entries.data();
  specialization.dataSize = values.size() * sizeof(uint32_t);
  specialization.pData = values.data();

  VkComputePipelineCreateInfo create{};
  create.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  create.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  create.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  create.stage.module = module;
  create.stage.pName = "main";
  create.stage.pSpecializationInfo = entries.empty() ? nullptr : &specialization;
  create.layout = layout;

  // Creation feedback is core in Vulkan 1.3; it tells whether the cache served the pipeline.
  VkPipelineCreationFeedback feedback{};
  VkPipelineCreationFeedbackCreateInfo feedback_info{};
  feedback_info.sType = VK_STRUCTURE_TYPE_PIPELINE_CREATION_FEEDBACK_CREATE_INFO;
  feedback_info.pPipelineCreationFeedback = &feedback;
  if (info.api_version >= VK_API_VERSION_1_3) create.pNext = &feedback_info;

  VkPipeline pipeline = VK_NULL_HANDLE;
  const auto start = std::chrono::steady_clock::now();
  VKVAE_CHECK(vkCreateComputePipelines(device.handle(), cache.handle(), 1, &create, nullptr, &pipeline));
  creation_time_ = std::chrono::steady_clock::now() - start;
  pipeline_ = OwnedPipeline(device.handle(), pipeline);
  cache_hit_ = (feedback.flags & VK_PIPELINE_CREATION_FEEDBACK_VALID_BIT) != 0 &&
               (feedback.flags & VK_PIPELINE_CREATION_FEEDBACK_APPLICATION_PIPELINE_CACHE_HIT_BIT) != 0;
}

}  // namespace vkvae::vk
