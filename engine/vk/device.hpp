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
  // A queue of a dedicated transfer family, or nullptr when the device has none.
  Queue* transfer_queue() { return transfer_.get(); }

  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set() const { return push_descriptor_set_; }

  void wait_idle() const;

 private:
  DeviceInfo info_;
  VkPhysicalDeviceMemoryProperties memory_{};
  VkDevice device_ = VK_NULL_HANDLE;
  std::unique_ptr<Queue> compute_;
  std::unique_ptr<Queue> transfer_;
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_set_ = nullptr;
};

}  // namespace vkvae::vk
