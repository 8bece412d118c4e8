// Pictures that live in device buffers (RGBA8 grids written by compute shaders) drawn inside
// ImGui windows by a pipeline of our own: ImGui 1.86's Vulkan backend cannot bind user
// textures, so an ImDrawList callback draws a quad whose fragment shader reads the buffer.
#pragma once

#include <imgui.h>
#include <vulkan/vulkan.h>

#include <deque>

#include "ops/image.hpp"
#include "ops/tensor.hpp"
#include "vk/context.hpp"
#include "vk/owned.hpp"

namespace vkvae::view {

class PictureRenderer {
 public:
  PictureRenderer(vk::Context& context, VkRenderPass render_pass);
  ~PictureRenderer();

  // Call at the start of each frame (forgets the last frame's pictures) …
  void begin_frame(VkCommandBuffer commands, VkExtent2D framebuffer);
  // … then, inside an ImGui window, reserve `size` (ImGui pixels) for `pixels` (an RGBA8 grid
  // of `picture` pixels) at the cursor; it is drawn when the frame's draw data is rendered.
  void image(const ops::Tensor& pixels, ops::GridSize picture, ImVec2 size);

 private:
  struct Draw {
    PictureRenderer* renderer;
    ops::Tensor pixels;
    ops::GridSize picture;
    ImVec2 min, max;
  };
  static void callback(const ImDrawList* list, const ImDrawCmd* command);
  void draw(const Draw& d, const ImVec4& clip);

  vk::Context& context_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  VkExtent2D framebuffer_{};
  std::deque<Draw> draws_;  // stable addresses for the callbacks' user data
};

}  // namespace vkvae::view
