#include "pictures.hpp"

#include <algorithm>

#include "shaders/embedded.hpp"
#include "vk/check.hpp"

namespace vkvae::view {
namespace {

// The push constants of picture_quad.vert and picture_texel.frag.
struct Push {
  float origin[2], extent[2], framebuffer[2];
  uint32_t picture[2];
};

VkShaderModule module(VkDevice device, const char* name) {
  const auto words = shaders::spirv(name);
  VkShaderModuleCreateInfo create{};
  create.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  create.codeSize = words.size_bytes();
  create.pCode = words.data();
  VkShaderModule m = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateShaderModule(device, &create, nullptr, &m));
  return m;
}

}  // namespace

PictureRenderer::PictureRenderer(vk::Context& context, VkRenderPass render_pass) : context_(context) {
  const VkDevice device = context.device().handle();
  VkDescriptorSetLayoutBinding binding{0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo set{};
  set.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  set.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  set.bindingCount = 1;
  set.pBindings = &binding;
  VKVAE_CHECK(vkCreateDescriptorSetLayout(device, &set, nullptr, &set_layout_));
  VkPushConstantRange push{VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof(Push)};
  VkPipelineLayoutCreateInfo layout{};
  layout.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout.setLayoutCount = 1;
  layout.pSetLayouts = &set_layout_;
  layout.pushConstantRangeCount = 1;
  layout.pPushConstantRanges = &push;
  VKVAE_CHECK(vkCreatePipelineLayout(device, &layout, nullptr, &layout_));

  const VkShaderModule vertex = module(device, "picture_quad"), fragment = module(device, "picture_texel");
  VkPipelineShaderStageCreateInfo stages[2]{};
  stages[0] = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, nullptr, 0, VK_SHADER_STAGE_VERTEX_BIT, vertex, "main", nullptr};
  stages[1] = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, nullptr, 0, VK_SHADER_STAGE_FRAGMENT_BIT, fragment, "main", nullptr};
  VkPipelineVertexInputStateCreateInfo input{};
  input.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO;
  VkPipelineInputAssemblyStateCreateInfo assembly{};
  assembly.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO;
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
  VkPipelineViewportStateCreateInfo viewport{};
  viewport.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO;
  viewport.viewportCount = viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{};
  raster.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO;
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = VK_CULL_MODE_NONE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{};
  multisample.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO;
  multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
  VkPipelineColorBlendAttachmentState attachment{};
  attachment.colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT | VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT;
  VkPipelineColorBlendStateCreateInfo blend{};
  blend.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO;
  blend.attachmentCount = 1;
  blend.pAttachments = &attachment;
  const VkDynamicState dynamic_states[] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{};
  dynamic.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO;
  dynamic.dynamicStateCount = 2;
  dynamic.pDynamicStates = dynamic_states;
  VkGraphicsPipelineCreateInfo create{};
  create.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO;
  create.stageCount = 2;
  create.pStages = stages;
  create.pVertexInputState = &input;
  create.pInputAssemblyState = &assembly;
  create.pViewportState = &viewport;
  create.pRasterizationState = &raster;
  create.pMultisampleState = &multisample;
  create.pColorBlendState = &blend;
  create.pDynamicState = &dynamic;
  create.layout = layout_;
  create.renderPass = render_pass;
  const VkResult result = vkCreateGraphicsPipelines(device, context.pipeline_cache().handle(), 1, &create, nullptr, &pipeline_);
  vkDestroyShaderModule(device, vertex, nullptr);
  vkDestroyShaderModule(device, fragment, nullptr);
  VKVAE_CHECK(result);
}

PictureRenderer::~PictureRenderer() {
  const VkDevice device = context_.device().handle();
  vkDestroyPipeline(device, pipeline_, nullptr);
  vkDestroyPipelineLayout(device, layout_, nullptr);
  vkDestroyDescriptorSetLayout(device, set_layout_, nullptr);
}

void PictureRenderer::begin_frame(VkCommandBuffer commands, VkExtent2D framebuffer) {
  commands_ = commands;
  framebuffer_ = framebuffer;
  draws_.clear();
}

void PictureRenderer::image(const ops::Tensor& pixels, ops::GridSize picture, ImVec2 size) {
  const ImVec2 min = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  draws_.push_back({this, pixels, picture, min, ImVec2(min.x + size.x, min.y + size.y)});
  ImDrawList* list = ImGui::GetWindowDrawList();
  list->AddCallback(callback, &draws_.back());
  list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);  // the backend rebinds its own state
}

void PictureRenderer::callback(const ImDrawList*, const ImDrawCmd* command) {
  const Draw& d = *static_cast<const Draw*>(command->UserCallbackData);
  d.renderer->draw(d, command->ClipRect);
}

void PictureRenderer::draw(const Draw& d, const ImVec4& clip) {
  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  const float fw = static_cast<float>(framebuffer_.width), fh = static_cast<float>(framebuffer_.height);
  const float x0 = std::clamp(clip.x * scale.x, 0.0f, fw), y0 = std::clamp(clip.y * scale.y, 0.0f, fh);
  const float x1 = std::clamp(clip.z * scale.x, 0.0f, fw), y1 = std::clamp(clip.w * scale.y, 0.0f, fh);
  if (x1 <= x0 || y1 <= y0) return;
  const VkRect2D scissor{{static_cast<int32_t>(x0), static_cast<int32_t>(y0)}, {static_cast<uint32_t>(x1 - x0), static_cast<uint32_t>(y1 - y0)}};
  const VkViewport viewport{0.0f, 0.0f, fw, fh, 0.0f, 1.0f};
  vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_);
  vkCmdSetViewport(commands_, 0, 1, &viewport);
  vkCmdSetScissor(commands_, 0, 1, &scissor);
  const VkDescriptorBufferInfo buffer{d.pixels.buffer->handle(), d.pixels.offset, d.pixels.bytes()};
  VkWriteDescriptorSet write{};
  write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
  write.dstBinding = 0;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  write.pBufferInfo = &buffer;
  context_.device().push_descriptor_set()(commands_, VK_PIPELINE_BIND_POINT_GRAPHICS, layout_, 0, 1, &write);
  const Push push{{d.min.x * scale.x, d.min.y * scale.y},
                  {(d.max.x - d.min.x) * scale.x, (d.max.y - d.min.y) * scale.y},
                  {fw, fh},
                  {d.picture.width, d.picture.height}};
  vkCmdPushConstants(commands_, layout_, VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0, sizeof push, &push);
  vkCmdDraw(commands_, 4, 1, 0, 0);
}

}  // namespace vkvae::view
