// What each Vulkan device offers, how vkvae ranks them, and how a user picks one.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vkvae::vk {

struct DeviceInfo {
  uint32_t index = 0;  // position in vkEnumeratePhysicalDevices order: what --device N means
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t vendor_id = 0;
  uint32_t api_version = 0;
  std::string driver;  // "NVIDIA 550.54.15", "llvmpipe: Mesa 22.3.6 (LLVM 15.0.6)"
  std::array<uint8_t, VK_UUID_SIZE> pipeline_cache_uuid{};
  uint32_t driver_version = 0;

  uint64_t device_local_bytes = 0;  // the largest device-local heap
  uint32_t subgroup_size = 0;
  // The range a pipeline may run at (Vulkan 1.3 / VK_EXT_subgroup_size_control); 0 where the
  // device does not say, and then any size may run, whatever subgroup_size reports.
  uint32_t min_subgroup_size = 0, max_subgroup_size = 0;
  // Compute shaders may use subgroup broadcasts (GL_KHR_shader_subgroup_ballot).
  bool subgroup_ballot = false;

  // Features vkvae uses or may use.
  bool fp16 = false;                  // shaderFloat16 + storageBuffer16BitAccess
  bool timestamps = false;            // compute queue writes timestamps
  float timestamp_period_ns = 0.0f;   // nanoseconds per timestamp tick
  uint32_t timestamp_valid_bits = 0;
  bool cooperative_matrix = false;    // VK_KHR_ or VK_NV_cooperative_matrix
  bool push_descriptors = false;      // VK_KHR_push_descriptor (required)
  bool buffer_device_address = false;
  bool timeline_semaphores = false;   // required

  // Limits the allocator and pipelines respect.
  uint64_t max_storage_buffer_range = 0;
  uint32_t max_memory_allocations = 0;
  uint64_t max_memory_allocation_size = 0;
  uint64_t min_storage_buffer_offset_alignment = 0;
  uint64_t max_texel_buffer_elements = 0;
  uint64_t min_texel_buffer_offset_alignment = 0;
  uint64_t non_coherent_atom_size = 0;
  uint32_t max_push_constants_bytes = 0;
  uint32_t max_shared_memory_bytes = 0;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_workgroup_size_x = 0;
  uint32_t max_storage_buffers_per_stage = 0;
  uint32_t max_sampled_images_per_stage = 0;  // uniform texel buffers count against it
  std::array<uint32_t, 3> max_workgroup_count{};

  std::optional<uint32_t> compute_family;   // a family with compute (and timestamps if any has)
  std::optional<uint32_t> transfer_family;  // a dedicated transfer family (no compute/graphics)

  // Empty when vkvae can run on this device; otherwise why not.
  std::string unsupported_reason;
  bool usable() const { return unsupported_reason.empty(); }
};

// Every physical device the instance sees, with its features queried.
std::vector<DeviceInfo> enumerate_devices(VkInstance instance);

// Higher is better: discrete > integrated > virtual > CPU > other, then device-local memory.
// Unusable devices score below every usable one.
int64_t device_rank(const DeviceInfo& device);

// Picks the device for a user's selector: "" = the best usable one; a number = that index;
// anything else = the usable device whose name contains it (case-insensitive, must be unique).
// Throws UsageError naming `flag` when nothing or more than one device matches.
const DeviceInfo& select_device(const std::vector<DeviceInfo>& devices, std::string_view selector,
                                std::string_view flag = "--device");

// "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other".
std::string_view device_type_name(VkPhysicalDeviceType type);
// "NVIDIA", "AMD", "Intel", "Mesa" ... or the hex id.
std::string vendor_name(uint32_t vendor_id);
// One line for --list-devices.
std::string describe_device(const DeviceInfo& device);

}  // namespace vkvae::vk
