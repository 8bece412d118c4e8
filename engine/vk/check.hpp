// VkResult checking: every failure becomes a VulkanError naming the result, the call, the
// source line and a hint for the person reading it.
#pragma once

#include <vulkan/vulkan.h>

#include <source_location>
#include <string>

#include "util/error.hpp"

namespace vkvae::vk {

class VulkanError : public Error {
 public:
  VulkanError(VkResult result, const std::string& message) : Error(message), result_(result) {}
  VkResult result() const { return result_; }

 private:
  VkResult result_;
};

// "VK_ERROR_DEVICE_LOST", or "VkResult(-1000)" for codes this build does not know.
std::string result_name(VkResult result);

// What a user can do about `result`.
const char* result_hint(VkResult result);

// Builds the one-line message: "<call> failed: <RESULT> at <file>:<line>; <hint>".
[[noreturn]] void throw_vulkan_error(VkResult result, const char* call,
                                     const std::source_location& where, const char* hint = nullptr);

// Throws for any negative (error) result; VK_TIMEOUT, VK_INCOMPLETE etc. are the caller's to handle.
inline void check(VkResult result, const char* call,
                  const std::source_location& where = std::source_location::current()) {
  if (result < 0) throw_vulkan_error(result, call, where);
}

}  // namespace vkvae::vk

// The call's text is kept up to its argument list, so messages name "vkCreateBuffer".
#define VKVAE_CHECK(expr) ::vkvae::vk::check((expr), #expr)
