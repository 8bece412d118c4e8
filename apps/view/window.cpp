#include "window.hpp"

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstring>

#include "util/error.hpp"
#include "vk/check.hpp"

namespace vkvae::view {
namespace {

std::string g_glfw_error;

void remember_glfw_error(int, const char* description) { g_glfw_error = description ? description : ""; }

}  // namespace

std::vector<const char*> start_glfw() {
  glfwSetErrorCallback(remember_glfw_error);
  if (!glfwInit()) {
    throw UsageError("no display (" + g_glfw_error +
                     "); set DISPLAY, or run without a screen under xvfb-run -a -s \"-screen 0 1280x800x24\" vkvae-view …");
  }
  if (!glfwVulkanSupported()) throw Error("GLFW finds no Vulkan loader; apt-get install libvulkan1 mesa-vulkan-drivers", 2);
  uint32_t count = 0;
  const char** names = glfwGetRequiredInstanceExtensions(&count);
  return {names, names + count};
}

void stop_glfw() { glfwTerminate(); }

Window::Window(vk::Context& context, int width, int height, const std::string& title) : context_(context) {
  glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
  window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (!window_) throw Error("cannot open a window: " + g_glfw_error, 2);
  VKVAE_CHECK(glfwCreateWindowSurface(context.instance().handle(), window_, nullptr, &surface_));

  // Rendering uses the render queue: a second queue of the compute family where there is one,
  // else the compute queue itself (submissions serialized). Its family must draw and present.
  const uint32_t family = context.device().render_queue().family();
  uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(context.device().physical(), &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(context.device().physical(), &family_count, families.data());
  VkBool32 present = VK_FALSE;
  VKVAE_CHECK(vkGetPhysicalDeviceSurfaceSupportKHR(context.device().physical(), family, surface_, &present));
  if (!(families[family].queueFlags & VK_QUEUE_GRAPHICS_BIT) || !present) {
    throw Error("device " + context.info().name + " cannot draw to this window from its compute queue; pick another with --device", 2);
  }

  VkAttachmentDescription color{};
  uint32_t format_count = 0;
  VKVAE_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(context.device().physical(), surface_, &format_count, nullptr));
  std::vector<VkSurfaceFormatKHR> formats(format_count);
  VKVAE_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(context.device().physical(), surface_, &format_count, formats.data()));
  if (formats.empty()) throw Error("the window's surface offers no formats (under Xvfb, use a depth-24 screen)", 2);
  format_ = formats[0].format;
  for (const VkSurfaceFormatKHR& f : formats) {
    // UNORM: the grid's bytes and ImGui's colours go to the screen as they are.
    if ((f.format == VK_FORMAT_B8G8R8A8_UNORM || f.format == VK_FORMAT_R8G8B8A8_UNORM) && f.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) {
      format_ = f.format;
      break;
    }
  }
  color.format = format_;
  color.samples = VK_SAMPLE_COUNT_1_BIT;
  color.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
  color.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  color.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
  color.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
  color.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  color.finalLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
  VkAttachmentReference reference{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &reference;
  // The acquired image may still be read by the presentation engine: wait for it at the
  // colour-output stage, where the clear writes.
  VkSubpassDependency dependency{};
  dependency.srcSubpass = VK_SUBPASS_EXTERNAL;
  dependency.dstSubpass = 0;
  dependency.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  dependency.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  dependency.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
  VkRenderPassCreateInfo pass{};
  pass.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO;
  pass.attachmentCount = 1;
  pass.pAttachments = &color;
  pass.subpassCount = 1;
  pass.pSubpasses = &subpass;
  pass.dependencyCount = 1;
  pass.pDependencies = &dependency;
  VKVAE_CHECK(vkCreateRenderPass(context.device().handle(), &pass, nullptr, &render_pass_));

  const VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, nullptr, 0};
  for (InFlight& f : frames_) {
    f.commands = std::make_unique<vk::CommandBuffer>(context.commands());
    f.done = std::make_unique<vk::Fence>(context.device().handle(), /*signaled=*/true);
    VKVAE_CHECK(vkCreateSemaphore(context.device().handle(), &semaphore, nullptr, &f.acquired));
  }
  create_swapchain();
}

Window::~Window() {
  const VkDevice device = context_.device().handle();
  context_.device().wait_idle();
  destroy_swapchain();
  for (InFlight& f : frames_) vkDestroySemaphore(device, f.acquired, nullptr);
  if (render_pass_) vkDestroyRenderPass(device, render_pass_, nullptr);
  if (surface_) vkDestroySurfaceKHR(context_.instance().handle(), surface_, nullptr);
  if (window_) glfwDestroyWindow(window_);
}

bool Window::should_close() const { return glfwWindowShouldClose(window_); }

void Window::create_swapchain() {
  const VkDevice device = context_.device().handle();
  VkSurfaceCapabilitiesKHR caps{};
  VKVAE_CHECK(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(context_.device().physical(), surface_, &caps));
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  extent_ = caps.currentExtent;
  if (extent_.width == UINT32_MAX) {
    extent_.width = std::clamp(static_cast<uint32_t>(width), caps.minImageExtent.width, caps.maxImageExtent.width);
    extent_.height = std::clamp(static_cast<uint32_t>(height), caps.minImageExtent.height, caps.maxImageExtent.height);
  }
  if (extent_.width == 0 || extent_.height == 0) return;  // minimized
  can_capture_ = (caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_SRC_BIT) != 0;
  VkSwapchainCreateInfoKHR create{};
  create.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR;
  create.surface = surface_;
  create.minImageCount = std::max(caps.minImageCount, 2u);
  if (caps.maxImageCount > 0) create.minImageCount = std::min(create.minImageCount + 1, caps.maxImageCount);
  create.imageFormat = format_;
  create.imageColorSpace = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
  create.imageExtent = extent_;
  create.imageArrayLayers = 1;
  create.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | (can_capture_ ? VK_IMAGE_USAGE_TRANSFER_SRC_BIT : 0);
  create.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  create.preTransform = caps.currentTransform;
  create.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  create.presentMode = VK_PRESENT_MODE_FIFO_KHR;  // always there; paces rendering to the display
  create.clipped = VK_TRUE;
  VKVAE_CHECK(vkCreateSwapchainKHR(device, &create, nullptr, &swapchain_));
  uint32_t count = 0;
  VKVAE_CHECK(vkGetSwapchainImagesKHR(device, swapchain_, &count, nullptr));
  images_.resize(count);
  VKVAE_CHECK(vkGetSwapchainImagesKHR(device, swapchain_, &count, images_.data()));
  const VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, nullptr, 0};
  for (VkImage image : images_) {
    VkImageViewCreateInfo view{};
    view.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
    view.image = image;
    view.viewType = VK_IMAGE_VIEW_TYPE_2D;
    view.format = format_;
    view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VkImageView v = VK_NULL_HANDLE;
    VKVAE_CHECK(vkCreateImageView(device, &view, nullptr, &v));
    views_.push_back(v);
    VkFramebufferCreateInfo fb{};
    fb.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO;
    fb.renderPass = render_pass_;
    fb.attachmentCount = 1;
    fb.pAttachments = &v;
    fb.width = extent_.width;
    fb.height = extent_.height;
    fb.layers = 1;
    VkFramebuffer f = VK_NULL_HANDLE;
    VKVAE_CHECK(vkCreateFramebuffer(device, &fb, nullptr, &f));
    framebuffers_.push_back(f);
    VkSemaphore s = VK_NULL_HANDLE;
    VKVAE_CHECK(vkCreateSemaphore(device, &semaphore, nullptr, &s));
    rendered_.push_back(s);
  }
}

void Window::destroy_swapchain() {
  const VkDevice device = context_.device().handle();
  for (VkFramebuffer f : framebuffers_) vkDestroyFramebuffer(device, f, nullptr);
  for (VkImageView v : views_) vkDestroyImageView(device, v, nullptr);
  for (VkSemaphore s : rendered_) vkDestroySemaphore(device, s, nullptr);
  framebuffers_.clear(), views_.clear(), rendered_.clear(), images_.clear();
  if (swapchain_) vkDestroySwapchainKHR(device, swapchain_, nullptr);
  swapchain_ = VK_NULL_HANDLE;
}

std::optional<Window::Frame> Window::begin_frame() {
  const VkDevice device = context_.device().handle();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  const bool resized = static_cast<uint32_t>(width) != extent_.width || static_cast<uint32_t>(height) != extent_.height;
  if (width == 0 || height == 0) return std::nullopt;
  if (!swapchain_ || resized) {
    VKVAE_CHECK(context_.device().wait_idle());
    destroy_swapchain();
    create_swapchain();
    if (!swapchain_) return std::nullopt;
  }
  InFlight& f = frames_[frame_];
  f.done->wait(context_.timeout());
  const VkResult acquired = vkAcquireNextImageKHR(device, swapchain_, UINT64_MAX, f.acquired, VK_NULL_HANDLE, &image_);
  if (acquired == VK_ERROR_OUT_OF_DATE_KHR) {
    VKVAE_CHECK(context_.device().wait_idle());
    destroy_swapchain();
    create_swapchain();
    return std::nullopt;
  }
  if (acquired != VK_SUBOPTIMAL_KHR) VKVAE_CHECK(acquired);
  f.done->reset();
  f.commands->begin();
  // The pictures drawn this frame were written by compute shaders in earlier submissions.
  VkMemoryBarrier to_fragment{VK_STRUCTURE_TYPE_MEMORY_BARRIER, nullptr, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                              VK_ACCESS_SHADER_READ_BIT};
  vkCmdPipelineBarrier(f.commands->handle(), VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 1, &to_fragment, 0, nullptr, 0, nullptr);
  return Frame{f.commands->handle(), extent_};
}

void Window::begin_render_pass(const Frame& frame, const float clear[4]) {
  VkClearValue value{};
  std::memcpy(value.color.float32, clear, sizeof(float) * 4);
  VkRenderPassBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO;
  begin.renderPass = render_pass_;
  begin.framebuffer = framebuffers_[image_];
  begin.renderArea = {{0, 0}, frame.extent};
  begin.clearValueCount = 1;
  begin.pClearValues = &value;
  vkCmdBeginRenderPass(frame.commands, &begin, VK_SUBPASS_CONTENTS_INLINE);
}

void Window::end_frame(const Frame& frame, bool capture) {
  InFlight& f = frames_[frame_];
  vkCmdEndRenderPass(frame.commands);
  capture = capture && can_capture_;
  if (capture) {
    const VkDeviceSize bytes = VkDeviceSize{extent_.width} * extent_.height * 4;
    if (!readback_ || readback_->size() < bytes) readback_ = std::make_unique<vk::Buffer>(context_.buffer(bytes, vk::MemoryUse::Readback));
    VkImageMemoryBarrier to_copy{};
    to_copy.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
    to_copy.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    to_copy.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    to_copy.oldLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    to_copy.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    to_copy.srcQueueFamilyIndex = to_copy.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    to_copy.image = images_[image_];
    to_copy.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdPipelineBarrier(frame.commands, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0,
                         nullptr, 1, &to_copy);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {extent_.width, extent_.height, 1};
    vkCmdCopyImageToBuffer(frame.commands, images_[image_], VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback_->handle(), 1, &region);
    VkImageMemoryBarrier back = to_copy;
    back.srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    back.dstAccessMask = 0;
    back.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
    back.newLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    vkCmdPipelineBarrier(frame.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, nullptr, 0, nullptr, 1,
                         &back);
    VkMemoryBarrier to_host{VK_STRUCTURE_TYPE_MEMORY_BARRIER, nullptr, VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_HOST_READ_BIT};
    vkCmdPipelineBarrier(frame.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &to_host, 0, nullptr, 0, nullptr);
  }
  f.commands->end();
  const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.waitSemaphoreCount = 1;
  submit.pWaitSemaphores = &f.acquired;
  submit.pWaitDstStageMask = &wait_stage;
  submit.commandBufferCount = 1;
  const VkCommandBuffer handle = f.commands->handle();
  submit.pCommandBuffers = &handle;
  submit.signalSemaphoreCount = 1;
  submit.pSignalSemaphores = &rendered_[image_];
  context_.device().render_queue().submit(submit, f.done->handle());
  VkPresentInfoKHR present{};
  present.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR;
  present.waitSemaphoreCount = 1;
  present.pWaitSemaphores = &rendered_[image_];
  present.swapchainCount = 1;
  present.pSwapchains = &swapchain_;
  present.pImageIndices = &image_;
  const VkResult presented = context_.device().render_queue().present(present);
  if (presented != VK_ERROR_OUT_OF_DATE_KHR && presented != VK_SUBOPTIMAL_KHR) VKVAE_CHECK(presented);
  if (capture) {
    f.done->wait(context_.timeout());
    const auto count = std::size_t{extent_.width} * extent_.height;
    captured_ = {extent_.width, extent_.height, std::vector<uint32_t>(count)};
    readback_->invalidate(0, VK_WHOLE_SIZE);
    std::memcpy(captured_.pixels.data(), readback_->mapped(), count * 4);
    if (format_ == VK_FORMAT_B8G8R8A8_UNORM) {
      for (uint32_t& p : captured_.pixels) p = (p & 0xFF00FF00u) | ((p & 0xFFu) << 16) | ((p >> 16) & 0xFFu);  // BGRA → RGBA
    }
    for (uint32_t& p : captured_.pixels) p |= 0xFF000000u;  // opaque, whatever the swapchain kept in alpha
  }
  frame_ = (frame_ + 1) % kFramesInFlight;
}

}  // namespace vkvae::view
