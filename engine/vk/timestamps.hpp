// GPU timestamps: a query pool whose results come back in nanoseconds.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <vector>

#include "vk/owned.hpp"

namespace vkvae::vk {

class Device;

class TimestampQueries {
 public:
  // Throws vkvae::Error when the device's compute queue cannot write timestamps.
  TimestampQueries(const Device& device, uint32_t count);

  VkQueryPool handle() const { return pool_.get(); }
  uint32_t count() const { return count_; }
  // Nanoseconds on the device clock of queries [first, first+n), after the work that wrote them
  // completed. Only differences between them mean anything.
  std::vector<double> read_ns(uint32_t first, uint32_t n) const;

 private:
  VkDevice device_;
  uint32_t count_;
  double period_ns_;
  uint64_t mask_;
  OwnedQueryPool pool_;
};

}  // namespace vkvae::vk
