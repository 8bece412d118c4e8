// The Vulkan instance, with optional Khronos validation whose messages are counted.
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vkvae::vk {

struct InstanceOptions {
  bool validation = false;              // VK_LAYER_KHRONOS_validation + a debug-utils messenger
  bool synchronization_validation = false;  // adds the layer's hazard tracking (slow)
  bool print_validation = true;         // echo each validation message to stderr
  std::vector<const char*> extensions;  // e.g. surface extensions for a window
};

// True when VKVAE_VALIDATION is set to anything but "" or "0".
bool validation_requested_by_environment();

// What the validation layer said. The messenger callback may run on any thread.
class ValidationLog {
 public:
  int errors() const;
  int warnings() const;
  // The most recent error messages (at most kKept), oldest first.
  std::vector<std::string> recent_errors() const;
  // Throws vkvae::Error naming the first recent error when any error was counted.
  void throw_if_errors(const std::string& context) const;
  void clear();

  void record(VkDebugUtilsMessageSeverityFlagBitsEXT severity, const char* message);
  void set_print(bool print);

  static constexpr std::size_t kKept = 16;

 private:
  mutable std::mutex mutex_;
  int errors_ = 0;
  int warnings_ = 0;
  bool print_ = true;
  std::vector<std::string> recent_;
};

class Instance {
 public:
  explicit Instance(const InstanceOptions& options);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  VkInstance handle() const { return instance_; }
  bool validation_enabled() const { return messenger_ != VK_NULL_HANDLE; }
  // Always valid; counts stay at zero when validation is off.
  ValidationLog& validation() { return *log_; }
  const ValidationLog& validation() const { return *log_; }

 private:
  std::unique_ptr<ValidationLog> log_;  // stable address: the messenger's user data
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
};

}  // namespace vkvae::vk
