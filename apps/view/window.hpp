// A GLFW window with a Vulkan swapchain on the context's queue: frames to record into, resizes
// that recreate the swapchain, and a screenshot read back from the swapchain image.
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "train/session.hpp"
#include "vk/commands.hpp"
#include "vk/context.hpp"

struct GLFWwindow;

namespace vkvae::view {

// Starts GLFW and returns the instance extensions its surfaces need. Throws a UsageError that
// suggests xvfb-run when there is no display.
std::vector<const char*> start_glfw();
void stop_glfw();

class Window {
 public:
  Window(vk::Context& context, int width, int height, const std::string& title);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  GLFWwindow* handle() const { return window_; }
  bool should_close() const;
  VkRenderPass render_pass() const { return render_pass_; }
  uint32_t image_count() const { return static_cast<uint32_t>(images_.size()); }
  VkExtent2D extent() const { return extent_; }

  struct Frame {
    VkCommandBuffer commands;
    VkExtent2D extent;
  };
  // Acquires an image and begins its command buffer; nullopt when the window is minimized or
  // the swapchain had to be recreated (skip the frame).
  std::optional<Frame> begin_frame();
  void begin_render_pass(const Frame& frame, const float clear[4]);
  // Ends the render pass, submits and presents. With `capture`, also copies the image and
  // waits for it: capture() then holds it as RGBA.
  void end_frame(const Frame& frame, bool capture = false);
  const train::Picture& captured() const { return captured_; }

 private:
  void create_swapchain();
  void destroy_swapchain();

  vk::Context& context_;
  GLFWwindow* window_ = nullptr;
  VkSurfaceKHR surface_ = VK_NULL_HANDLE;
  VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
  VkFormat format_ = VK_FORMAT_UNDEFINED;
  VkExtent2D extent_{};
  bool can_capture_ = false;
  VkRenderPass render_pass_ = VK_NULL_HANDLE;
  std::vector<VkImage> images_;
  std::vector<VkImageView> views_;
  std::vector<VkFramebuffer> framebuffers_;
  std::vector<VkSemaphore> rendered_;  // per swapchain image: rendering done, present may go

  static constexpr int kFramesInFlight = 2;
  struct InFlight {
    std::unique_ptr<vk::CommandBuffer> commands;
    VkSemaphore acquired = VK_NULL_HANDLE;
    std::unique_ptr<vk::Fence> done;
  };
  InFlight frames_[kFramesInFlight];
  int frame_ = 0;
  uint32_t image_ = 0;
  std::unique_ptr<vk::Buffer> readback_;
  train::Picture captured_;
};

}  // namespace vkvae::view
