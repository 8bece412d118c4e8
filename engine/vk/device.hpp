// The logical device: the queues vkvae uses and the features it enabled.
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <vector>

#include "vk/device_info.hpp"
#include "vk/sync.hpp"

namespace vkvae::vk {

class Device {
 public:
  // `extensions`: enabled besides VK_KHR_push_descriptor (a window's VK_KHR_swapchain).
  explicit Device(const DeviceInfo& info, const std::vector<const char*>& extensions = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  VkDevice handle() const { return device_; }
  VkPhysicalDevice physical() const { return info_.handle; }
  const DeviceInfo& info() const { return info_; }
  const VkPhysicalDeviceMemoryProperties& memory_properties() const { return memory_; }

  Queue& compute_queue() { return *compute_; }
  // A second queue of the compute family for a window's work (decoding what it draws, drawing,
  // presenting), so frames need not wait behind training's submits; the compute queue itself
  // where the family has only one (then submissions to the two are serialized).
  Queue& render_queue() { return render_ ? *render_ : *compute_; }
  bool separate_render_queue() const { return render_ != nullptr; }
  // A queue of a dedicated transfer family, or nullptr when the device has none.
  Queue* transfer_queue() { return transfer_.get(); }

  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set() const { return push_descriptor_set_; }

  // Waits until every queue is idle, holding their locks meanwhile: vkDeviceWaitIdle must not
  // run beside a submit on another thread. Returns the result (callers in destructors ignore it).
  VkResult wait_idle();

 private:
  DeviceInfo info_;
  VkPhysicalDeviceMemoryProperties memory_{};
  VkDevice device_ = VK_NULL_HANDLE;
  std::unique_ptr<Queue> compute_;
  std::unique_ptr<Queue> render_;
  std::unique_ptr<Queue> transfer_;
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set_ = nullptr;
};

}  // namespace vkvae::vk
