// Queues, fences and timeline semaphores. Every wait has a finite timeout that becomes a
// VulkanError(VK_TIMEOUT) naming what was waited for.
#pragma once

#include <vulkan/vulkan.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>

#include "vk/owned.hpp"

namespace vkvae::vk {

using Timeout = std::chrono::nanoseconds;

class Fence {
 public:
  Fence(VkDevice device, bool signaled = false);
  VkFence handle() const { return fence_.get(); }
  bool signaled() const;
  // Throws VulkanError(VK_TIMEOUT) after `timeout`.
  void wait(Timeout timeout) const;
  void reset();

 private:
  VkDevice device_;
  OwnedFence fence_;
};

class TimelineSemaphore {
 public:
  explicit TimelineSemaphore(VkDevice device, uint64_t initial = 0);
  VkSemaphore handle() const { return semaphore_.get(); }
  uint64_t value() const;
  // Throws VulkanError(VK_TIMEOUT) when the value has not reached `value` after `timeout`.
  void wait(uint64_t value, Timeout timeout) const;
  // Signals from the host (lets a test or the host release GPU work that waits on it).
  void signal(uint64_t value);

 private:
  VkDevice device_;
  OwnedSemaphore semaphore_;
};

struct SemaphoreValue {
  const TimelineSemaphore* semaphore;
  uint64_t value;
};

struct Submission {
  std::span<const VkCommandBuffer> commands = {};
  std::span<const SemaphoreValue> waits = {};  // GPU waits for each value before starting
  std::span<const SemaphoreValue> signals = {};  // GPU sets each value when done
  const Fence* fence = nullptr;
};

// A device queue. Submissions are serialized by a mutex, so threads (trainer, viewer) may share it.
class Queue {
 public:
  Queue() = default;
  Queue(VkQueue queue, uint32_t family) : queue_(queue), family_(family) {}
  VkQueue handle() const { return queue_; }
  uint32_t family() const { return family_; }
  void submit(const Submission& submission);
  // For work Submission does not describe (a window's binary semaphores), under the same lock.
  void submit(const VkSubmitInfo& info, VkFence fence);
  VkResult present(const VkPresentInfoKHR& info);
  // Holds the queue against submits from other threads (Device::wait_idle).
  std::unique_lock<std::mutex> hold() { return std::unique_lock(mutex_); }

 private:
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t family_ = 0;
  std::mutex mutex_;
};

}  // namespace vkvae::vk
