#include "vk/instance.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "util/error.hpp"
#include "vk/check.hpp"

namespace vkvae::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  static_cast<ValidationLog*>(user)->record(severity, data->pMessage);
  return VK_FALSE;  // never abort the call: vkvae decides what is fatal
}

VkDebugUtilsMessengerCreateInfoEXT messenger_info(ValidationLog* log) {
  VkDebugUtilsMessengerCreateInfoEXT info{};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = on_validation_message;
  info.pUserData = log;
  return info;
}

bool layer_available(const char* name) {
  uint32_t count = 0;
  VKVAE_CHECK(vkEnumerateInstanceLayerProperties(&count, nullptr));
  std::vector<VkLayerProperties> layers(count);
  VKVAE_CHECK(vkEnumerateInstanceLayerProperties(&count, layers.data()));
  for (const auto& layer : layers) {
    if (std::strcmp(layer.layerName, name) == 0) return true;
  }
  return false;
}

}  // namespace

bool validation_requested_by_environment() {
  const char* value = std::getenv("VKVAE_VALIDATION");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

int ValidationLog::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

int ValidationLog::warnings() const {
  std::lock_guard lock(mutex_);
  return warnings_;
}

std::vector<std::string> ValidationLog::recent_errors() const {
  std::lock_guard lock(mutex_);
  return recent_;
}

void ValidationLog::throw_if_errors(const std::string& context) const {
  std::lock_guard lock(mutex_);
  if (errors_ == 0) return;
  std::string first = recent_.empty() ? "" : recent_.front();
  throw Error(context + ": " + std::to_string(errors_) + " Vulkan validation error(s), first: " +
              first);
}

void ValidationLog::clear() {
  std::lock_guard lock(mutex_);
  errors_ = 0;
  warnings_ = 0;
  recent_.clear();
}

void ValidationLog::set_print(bool print) {
  std::lock_guard lock(mutex_);
  print_ = print;
}

void ValidationLog::record(VkDebugUtilsMessageSeverityFlagBitsEXT severity, const char* message) {
  const bool is_error = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) != 0;
  std::lock_guard lock(mutex_);
  if (is_error) {
    ++errors_;
    if (recent_.size() == kKept) recent_.erase(recent_.begin());
    recent_.emplace_back(message);
  } else {
    ++warnings_;
  }
  if (print_) {
    std::fprintf(stderr, "vkvae: validation %s: %s\n", is_error ? "error" : "warning", message);
  }
}

Instance::Instance(const InstanceOptions& options) : log_(std::make_unique<ValidationLog>()) {
  log_->set_print(options.print_validation);

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "vkvae";
  app.applicationVersion = VK_MAKE_API_VERSION(0, 0, 1, 0);
  app.pEngineName = "vkvae";
  app.engineVersion = VK_MAKE_API_VERSION(0, 0, 1, 0);
  // Asking for 1.3 lets 1.3 devices expose their core 1.3 features; 1.2 devices still work
  // (the effective version is the lower of the two). vkvae needs 1.2.
  app.apiVersion = VK_API_VERSION_1_3;

  std::vector<const char*> extensions = options.extensions;
  std::vector<const char*> layers;
  VkDebugUtilsMessengerCreateInfoEXT debug_info = messenger_info(log_.get());
  VkValidationFeatureEnableEXT sync_feature =
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{};
  features.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT;

  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;

  if (options.validation) {
    if (!layer_available(kValidationLayer)) {
      throw Error(std::string(kValidationLayer) +
                  " is not installed: apt-get install vulkan-validationlayers, or unset "
                  "VKVAE_VALIDATION");
    }
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    // The messenger chained here also reports on vkCreateInstance and vkDestroyInstance.
    info.pNext = &debug_info;
    if (options.synchronization_validation) {
      extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      features.enabledValidationFeatureCount = 1;
      features.pEnabledValidationFeatures = &sync_feature;
      debug_info.pNext = &features;
    }
  }
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();

  VkResult result = vkCreateInstance(&info, nullptr, &instance_);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER) {
    throw Error(
        "no Vulkan driver found: apt-get install mesa-vulkan-drivers (lavapipe runs on the CPU) "
        "or your GPU vendor's Vulkan driver",
        2);
  }
  check(result, "vkCreateInstance");

  if (options.validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    debug_info.pNext = nullptr;
    if (create == nullptr) {
      vkDestroyInstance(instance_, nullptr);
      throw Error("the Vulkan loader lacks vkCreateDebugUtilsMessengerEXT; update libvulkan1");
    }
    result = create(instance_, &debug_info, nullptr, &messenger_);
    if (result < 0) {
      vkDestroyInstance(instance_, nullptr);
      check(result, "vkCreateDebugUtilsMessengerEXT");
    }
  }
}

Instance::~Instance() {
  if (messenger_ != VK_NULL_HANDLE) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    destroy(instance_, messenger_, nullptr);
  }
  vkDestroyInstance(instance_, nullptr);
}

}  // namespace vkvae::vk
