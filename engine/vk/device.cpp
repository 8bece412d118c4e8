#include "vk/device.hpp"

#include <algorithm>
#include <vector>

#include "util/error.hpp"
#include "vk/check.hpp"

namespace vkvae::vk {

Device::Device(const DeviceInfo& info, const std::vector<const char*>& extra_extensions) : info_(info) {
  if (!info.usable()) {
    throw Error("device " + info.name + " cannot run vkvae: " + info.unsupported_reason, 2);
  }
  vkGetPhysicalDeviceMemoryProperties(info.handle, &memory_);

  // Two queues of the compute family where it has them (training and a window's rendering).
  uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(info.handle, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(info.handle, &family_count, families.data());
  const uint32_t compute_queues = std::min<uint32_t>(2, families.at(*info.compute_family).queueCount);

  const float priorities[2] = {1.0f, 1.0f};
  std::vector<VkDeviceQueueCreateInfo> queues;
  for (auto family : {info.compute_family, info.transfer_family}) {
    if (!family) continue;
    VkDeviceQueueCreateInfo queue{};
    queue.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    queue.queueFamilyIndex = *family;
    queue.queueCount = family == info.compute_family ? compute_queues : 1;
    queue.pQueuePriorities = priorities;
    queues.push_back(queue);
  }

  // Enable what vkvae uses now or may use where present; timeline semaphores are required.
  VkPhysicalDeviceVulkan11Features f11{};
  f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
  f11.storageBuffer16BitAccess = info.fp16;
  VkPhysicalDeviceVulkan12Features f12{};
  f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
  f12.pNext = &f11;
  f12.timelineSemaphore = VK_TRUE;
  f12.shaderFloat16 = info.fp16;
  f12.bufferDeviceAddress = info.buffer_device_address;
  VkPhysicalDeviceFeatures2 features{};
  features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  features.pNext = &f12;

  std::vector<const char*> extensions = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  extensions.insert(extensions.end(), extra_extensions.begin(), extra_extensions.end());
  VkDeviceCreateInfo create{};
  create.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  create.pNext = &features;
  create.queueCreateInfoCount = static_cast<uint32_t>(queues.size());
  create.pQueueCreateInfos = queues.data();
  create.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  create.ppEnabledExtensionNames = extensions.data();
  VKVAE_CHECK(vkCreateDevice(info.handle, &create, nullptr, &device_));

  VkQueue queue = VK_NULL_HANDLE;
  vkGetDeviceQueue(device_, *info.compute_family, 0, &queue);
  compute_ = std::make_unique<Queue>(queue, *info.compute_family);
  if (compute_queues == 2) {
    vkGetDeviceQueue(device_, *info.compute_family, 1, &queue);
    render_ = std::make_unique<Queue>(queue, *info.compute_family);
  }
  if (info.transfer_family) {
    vkGetDeviceQueue(device_, *info.transfer_family, 0, &queue);
    transfer_ = std::make_unique<Queue>(queue, *info.transfer_family);
  }
  push_descriptor_set_ = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
      vkGetDeviceProcAddr(device_, "vkCmdPushDescriptorSetKHR"));
  if (push_descriptor_set_ == nullptr) {
    vkDestroyDevice(device_, nullptr);
    throw Error("the driver of " + info.name +
                " lists VK_KHR_push_descriptor but returns no vkCmdPushDescriptorSetKHR; update "
                "the driver",
                2);
  }
}

Device::~Device() {
  if (device_ != VK_NULL_HANDLE) {
    vkDeviceWaitIdle(device_);  // nothing may be in flight when handles die
    vkDestroyDevice(device_, nullptr);
  }
}

VkResult Device::wait_idle() {
  // Always in this order, so two threads waiting at once cannot deadlock.
  const auto compute = compute_->hold();
  std::unique_lock<std::mutex> render, transfer;
  if (render_) render = render_->hold();
  if (transfer_) transfer = transfer_->hold();
  return vkDeviceWaitIdle(device_);
}

}  // namespace vkvae::vk
