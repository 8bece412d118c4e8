#include "vk/sync.hpp"

#include <string>
#include <vector>

#include "vk/check.hpp"

namespace vkvae::vk {
namespace {

uint64_t timeout_ns(Timeout timeout) {
  return timeout.count() <= 0 ? 0 : static_cast<uint64_t>(timeout.count());
}

std::string timeout_hint(const char* what, Timeout timeout) {
  return std::string(what) + " did not finish within " +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
         " ms; the device may be hung or far slower than expected: raise the timeout or check the "
         "device";
}

}  // namespace

Fence::Fence(VkDevice device, bool signaled) : device_(device) {
  VkFenceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  info.flags = signaled ? VkFenceCreateFlags{VK_FENCE_CREATE_SIGNALED_BIT} : 0u;
  VkFence fence = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateFence(device, &info, nullptr, &fence));
  fence_ = OwnedFence(device, fence);
}

bool Fence::signaled() const {
  VkResult result = vkGetFenceStatus(device_, fence_.get());
  VKVAE_CHECK(result);
  return result == VK_SUCCESS;
}

void Fence::wait(Timeout timeout) const {
  VkFence fence = fence_.get();
  VkResult result = vkWaitForFences(device_, 1, &fence, VK_TRUE, timeout_ns(timeout));
  if (result == VK_TIMEOUT) {
    const std::string hint = timeout_hint("GPU work behind a fence", timeout);
    throw_vulkan_error(result, "vkWaitForFences", std::source_location::current(), hint.c_str());
  }
  VKVAE_CHECK(result);
}

void Fence::reset() {
  VkFence fence = fence_.get();
  VKVAE_CHECK(vkResetFences(device_, 1, &fence));
}

TimelineSemaphore::TimelineSemaphore(VkDevice device, uint64_t initial) : device_(device) {
  VkSemaphoreTypeCreateInfo type{};
  type.sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO;
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  type.initialValue = initial;
  VkSemaphoreCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
  info.pNext = &type;
  VkSemaphore semaphore = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreateSemaphore(device, &info, nullptr, &semaphore));
  semaphore_ = OwnedSemaphore(device, semaphore);
}

uint64_t TimelineSemaphore::value() const {
  uint64_t value = 0;
  VKVAE_CHECK(vkGetSemaphoreCounterValue(device_, semaphore_.get(), &value));
  return value;
}

void TimelineSemaphore::wait(uint64_t value, Timeout timeout) const {
  VkSemaphore semaphore = semaphore_.get();
  VkSemaphoreWaitInfo info{};
  info.sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO;
  info.semaphoreCount = 1;
  info.pSemaphores = &semaphore;
  info.pValues = &value;
  VkResult result = vkWaitSemaphores(device_, &info, timeout_ns(timeout));
  if (result == VK_TIMEOUT) {
    const std::string hint = timeout_hint("GPU work behind a timeline semaphore", timeout);
    throw_vulkan_error(result, "vkWaitSemaphores", std::source_location::current(), hint.c_str());
  }
  VKVAE_CHECK(result);
}

void TimelineSemaphore::signal(uint64_t value) {
  VkSemaphoreSignalInfo info{};
  info.sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO;
  info.semaphore = semaphore_.get();
  info.value = value;
  VKVAE_CHECK(vkSignalSemaphore(device_, &info));
}

void Queue::submit(const Submission& submission) {
  std::vector<VkSemaphore> wait_semaphores;
  std::vector<uint64_t> wait_values;
  std::vector<VkPipelineStageFlags> wait_stages;
  for (const auto& w : submission.waits) {
    wait_semaphores.push_back(w.semaphore->handle());
    wait_values.push_back(w.value);
    wait_stages.push_back(VK_PIPELINE_STAGE_ALL_COMMANDS_BIT);
  }
  std::vector<VkSemaphore> signal_semaphores;
  std::vector<uint64_t> signal_values;
  for (const auto& s : submission.signals) {
    signal_semaphores.push_back(s.semaphore->handle());
    signal_values.push_back(s.value);
  }

  VkTimelineSemaphoreSubmitInfo timeline{};
  timeline.sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO;
  timeline.waitSemaphoreValueCount = static_cast<uint32_t>(wait_values.size());
  timeline.pWaitSemaphoreValues = wait_values.data();
  timeline.signalSemaphoreValueCount = static_cast<uint32_t>(signal_values.size());
  timeline.pSignalSemaphoreValues = signal_values.data();

  VkSubmitInfo info{};
  info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  info.pNext = &timeline;
  info.waitSemaphoreCount = static_cast<uint32_t>(wait_semaphores.size());
  info.pWaitSemaphores = wait_semaphores.data();
  info.pWaitDstStageMask = wait_stages.data();
  info.commandBufferCount = static_cast<uint32_t>(submission.commands.size());
  info.pCommandBuffers = submission.commands.data();
  info.signalSemaphoreCount = static_cast<uint32_t>(signal_semaphores.size());
  info.pSignalSemaphores = signal_semaphores.data();

  std::lock_guard lock(mutex_);
  VKVAE_CHECK(vkQueueSubmit(queue_, 1, &info,
                            submission.fence ? submission.fence->handle() : VK_NULL_HANDLE));
}

void Queue::submit(const VkSubmitInfo& info, VkFence fence) {
  const std::lock_guard lock(mutex_);
  VKVAE_CHECK(vkQueueSubmit(queue_, 1, &info, fence));
}

VkResult Queue::present(const VkPresentInfoKHR& info) {
  const std::lock_guard lock(mutex_);
  return vkQueuePresentKHR(queue_, &info);  // the caller handles out-of-date and suboptimal
}

}  // namespace vkvae::vk
