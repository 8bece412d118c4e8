// Dear ImGui on the window: the GLFW and Vulkan backends of Debian's libimgui 1.86.
#pragma once

#include <vulkan/vulkan.h>

#include "vk/context.hpp"
#include "window.hpp"

namespace vkvae::view {

class Gui {
 public:
  Gui(vk::Context& context, Window& window);
  ~Gui();
  Gui(const Gui&) = delete;
  Gui& operator=(const Gui&) = delete;

  void new_frame();
  // Records ImGui's draw data (call inside the render pass, after ImGui::Render()).
  void render(VkCommandBuffer commands);

 private:
  vk::Context& context_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
};

}  // namespace vkvae::view
