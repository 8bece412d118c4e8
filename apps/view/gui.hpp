// Dear ImGui on the window: the GLFW and Vulkan backends of Debian's libimgui 1.86, with a font
// that has the Greek and mathematical signs the panels print (DejaVu Sans, fonts-dejavu-core).
#pragma once

#include <imgui.h>
#include <vulkan/vulkan.h>

#include <string>

#include "vk/context.hpp"
#include "window.hpp"

namespace vkvae::view {

class Gui {
 public:
  // `layout_file`: where the panels' layout is kept between launches ("" for none).
  Gui(vk::Context& context, Window& window, std::string layout_file);
  ~Gui();
  Gui(const Gui&) = delete;
  Gui& operator=(const Gui&) = delete;

  void new_frame();
  // Records ImGui's draw data (call inside the render pass, after ImGui::Render()).
  void render(VkCommandBuffer commands);

 private:
  vk::Context& context_;
  std::string layout_file_;             // ImGui keeps a pointer to it
  ImVector<ImWchar> glyph_ranges_;      // and to these, read when the font atlas is built
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
};

}  // namespace vkvae::view
