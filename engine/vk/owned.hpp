// Move-only owner of a Vulkan handle that a VkDevice (or VkInstance) destroys.
#pragma once

#include <vulkan/vulkan.h>

#include <utility>

namespace vkvae::vk {

template <typename Handle, typename Parent,
          void (*Destroy)(Parent, Handle, const VkAllocationCallbacks*)>
class Owned {
 public:
  Owned() = default;
  Owned(Parent parent, Handle handle) : parent_(parent), handle_(handle) {}
  Owned(Owned&& other) noexcept
      : parent_(other.parent_), handle_(std::exchange(other.handle_, VK_NULL_HANDLE)) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) {
      reset();
      parent_ = other.parent_;
      handle_ = std::exchange(other.handle_, VK_NULL_HANDLE);
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { reset(); }

  void reset() {
    if (handle_ != VK_NULL_HANDLE) Destroy(parent_, handle_, nullptr);
    handle_ = VK_NULL_HANDLE;
  }
  Handle get() const { return handle_; }
  explicit operator bool() const { return handle_ != VK_NULL_HANDLE; }

 private:
  Parent parent_ = VK_NULL_HANDLE;
  Handle handle_ = VK_NULL_HANDLE;
};

using OwnedBuffer = Owned<VkBuffer, VkDevice, &vkDestroyBuffer>;
using OwnedBufferView = Owned<VkBufferView, VkDevice, &vkDestroyBufferView>;
using OwnedMemory = Owned<VkDeviceMemory, VkDevice, &vkFreeMemory>;
using OwnedShaderModule = Owned<VkShaderModule, VkDevice, &vkDestroyShaderModule>;
using OwnedPipeline = Owned<VkPipeline, VkDevice, &vkDestroyPipeline>;
using OwnedPipelineLayout = Owned<VkPipelineLayout, VkDevice, &vkDestroyPipelineLayout>;
using OwnedDescriptorSetLayout =
    Owned<VkDescriptorSetLayout, VkDevice, &vkDestroyDescriptorSetLayout>;
using OwnedPipelineCache = Owned<VkPipelineCache, VkDevice, &vkDestroyPipelineCache>;
using OwnedCommandPool = Owned<VkCommandPool, VkDevice, &vkDestroyCommandPool>;
using OwnedFence = Owned<VkFence, VkDevice, &vkDestroyFence>;
using OwnedSemaphore = Owned<VkSemaphore, VkDevice, &vkDestroySemaphore>;
using OwnedQueryPool = Owned<VkQueryPool, VkDevice, &vkDestroyQueryPool>;

}  // namespace vkvae::vk
