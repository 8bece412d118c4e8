#include "vk/check.hpp"

#include <string_view>

namespace vkvae::vk {

std::string result_name(VkResult result) {
  switch (result) {
#define VKVAE_RESULT(name) \
  case name:               \
    return #name;
    VKVAE_RESULT(VK_SUCCESS)
    VKVAE_RESULT(VK_NOT_READY)
    VKVAE_RESULT(VK_TIMEOUT)
    VKVAE_RESULT(VK_EVENT_SET)
    VKVAE_RESULT(VK_EVENT_RESET)
    VKVAE_RESULT(VK_INCOMPLETE)
    VKVAE_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    VKVAE_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    VKVAE_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    VKVAE_RESULT(VK_ERROR_DEVICE_LOST)
    VKVAE_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    VKVAE_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    VKVAE_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    VKVAE_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    VKVAE_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    VKVAE_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    VKVAE_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    VKVAE_RESULT(VK_ERROR_FRAGMENTED_POOL)
    VKVAE_RESULT(VK_ERROR_UNKNOWN)
    VKVAE_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    VKVAE_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    VKVAE_RESULT(VK_ERROR_FRAGMENTATION)
    VKVAE_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    VKVAE_RESULT(VK_PIPELINE_COMPILE_REQUIRED)
    VKVAE_RESULT(VK_ERROR_SURFACE_LOST_KHR)
    VKVAE_RESULT(VK_ERROR_NATIVE_WINDOW_IN_USE_KHR)
    VKVAE_RESULT(VK_SUBOPTIMAL_KHR)
    VKVAE_RESULT(VK_ERROR_OUT_OF_DATE_KHR)
    VKVAE_RESULT(VK_ERROR_VALIDATION_FAILED_EXT)
#undef VKVAE_RESULT
    default:
      return "VkResult(" + std::to_string(static_cast<int>(result)) + ")";
  }
}

const char* result_hint(VkResult result) {
  switch (result) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      return "the host ran out of memory; close other programs or use a smaller batch";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      return "the device ran out of memory; use a smaller batch or model, or another device "
             "(--device)";
    case VK_ERROR_INITIALIZATION_FAILED:
      return "the driver failed to initialize; check it with vulkaninfo, or pick another device "
             "(--device)";
    case VK_ERROR_DEVICE_LOST:
      return "the device was lost (driver reset or hang); checkpoints already on disk are intact, "
             "resume from the last one";
    case VK_ERROR_LAYER_NOT_PRESENT:
      return "the Khronos validation layer is missing; apt-get install vulkan-validationlayers, "
             "or unset VKVAE_VALIDATION";
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_FEATURE_NOT_PRESENT:
      return "the driver lacks something vkvae needs; update the driver or pick another device "
             "(--device, see --list-devices)";
    case VK_ERROR_INCOMPATIBLE_DRIVER:
      return "no compatible Vulkan driver; apt-get install mesa-vulkan-drivers (lavapipe runs on "
             "the CPU) or your GPU vendor's driver";
    case VK_TIMEOUT:
      return "GPU work did not finish within the timeout; raise the timeout or check the device";
    case VK_ERROR_MEMORY_MAP_FAILED:
      return "host-visible memory could not be mapped; close other GPU programs and retry";
    default:
      return "this is likely a vkvae bug; rerun with VKVAE_VALIDATION=1 and report what it prints";
  }
}

namespace {

// Messages name the project-relative path ("engine/vk/buffer.cpp"), not the build machine's.
std::string_view project_relative(std::string_view path) {
  for (std::string_view root : {"/engine/", "/apps/", "/tests/", "/bench/"}) {
    if (auto at = path.rfind(root); at != std::string_view::npos) return path.substr(at + 1);
  }
  return path;
}

std::string_view function_name(std::string_view call) {
  return call.substr(0, call.find('('));
}

}  // namespace

void throw_vulkan_error(VkResult result, const char* call, const std::source_location& where,
                        const char* hint) {
  std::string message = std::string(function_name(call)) + " failed: " + result_name(result) +
                        " at " + std::string(project_relative(where.file_name())) + ":" +
                        std::to_string(where.line()) + "; " +
                        (hint != nullptr ? hint : result_hint(result));
  throw VulkanError(result, message);
}

}  // namespace vkvae::vk
