#include "vk/device_info.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "util/error.hpp"
#include "util/format.hpp"
#include "vk/check.hpp"

namespace vkvae::vk {
namespace {

bool has_extension(const std::vector<VkExtensionProperties>& extensions, const char* name) {
  return std::any_of(extensions.begin(), extensions.end(), [&](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, name) == 0;
  });
}

std::vector<VkExtensionProperties> device_extensions(VkPhysicalDevice device) {
  uint32_t count = 0;
  VKVAE_CHECK(vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr));
  std::vector<VkExtensionProperties> extensions(count);
  VKVAE_CHECK(vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data()));
  extensions.resize(count);
  return extensions;
}

std::string version_text(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

// Vendors pack driverVersion differently; this decodes the common schemes.
std::string driver_version_text(uint32_t vendor_id, uint32_t v) {
  if (vendor_id == 0x10DE) {  // NVIDIA: 10.8.8.6 bits
    return std::to_string((v >> 22) & 0x3FF) + "." + std::to_string((v >> 14) & 0xFF) + "." +
           std::to_string((v >> 6) & 0xFF);
  }
  return version_text(v);
}

void query_queues(DeviceInfo& info) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(info.handle, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(info.handle, &count, families.data());

  // Prefer a compute family that also writes timestamps; the first such family is usually the
  // main graphics+compute family, which every driver schedules well.
  for (uint32_t i = 0; i < count; ++i) {
    if ((families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) == 0) continue;
    if (!info.compute_family || (families[i].timestampValidBits > 0 &&
                                 families[*info.compute_family].timestampValidBits == 0)) {
      info.compute_family = i;
    }
  }
  for (uint32_t i = 0; i < count; ++i) {
    const VkQueueFlags flags = families[i].queueFlags;
    if ((flags & VK_QUEUE_TRANSFER_BIT) != 0 &&
        (flags & (VK_QUEUE_COMPUTE_BIT | VK_QUEUE_GRAPHICS_BIT)) == 0) {
      info.transfer_family = i;
      break;
    }
  }
  if (info.compute_family) {
    info.timestamp_valid_bits = families[*info.compute_family].timestampValidBits;
  }
}

DeviceInfo query_device(uint32_t index, VkPhysicalDevice handle) {
  DeviceInfo info;
  info.index = index;
  info.handle = handle;

  VkPhysicalDeviceDriverProperties driver{};
  driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
  VkPhysicalDeviceSubgroupProperties subgroup{};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  subgroup.pNext = &driver;
  VkPhysicalDeviceMaintenance3Properties maintenance3{};
  maintenance3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
  maintenance3.pNext = &subgroup;
  VkPhysicalDeviceProperties2 props{};
  props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;

  // Vulkan 1.2 structures may only be chained on a 1.2 device.
  VkPhysicalDeviceProperties basic{};
  vkGetPhysicalDeviceProperties(handle, &basic);
  const bool vulkan12 = basic.apiVersion >= VK_API_VERSION_1_2;
  props.pNext = vulkan12 ? &maintenance3 : nullptr;
  vkGetPhysicalDeviceProperties2(handle, &props);
  const VkPhysicalDeviceLimits& limits = props.properties.limits;

  info.name = props.properties.deviceName;
  info.type = props.properties.deviceType;
  info.vendor_id = props.properties.vendorID;
  info.api_version = props.properties.apiVersion;
  info.driver_version = props.properties.driverVersion;
  std::memcpy(info.pipeline_cache_uuid.data(), props.properties.pipelineCacheUUID, VK_UUID_SIZE);
  if (vulkan12 && driver.driverName[0] != '\0') {
    info.driver = std::string(driver.driverName) + ": " + driver.driverInfo;
  } else {
    info.driver = driver_version_text(info.vendor_id, info.driver_version);
  }
  info.subgroup_size = vulkan12 ? subgroup.subgroupSize : 0;
  info.subgroup_ballot = vulkan12 && (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0 &&
                         (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BALLOT_BIT) != 0;
  info.max_storage_buffer_range = limits.maxStorageBufferRange;
  info.max_memory_allocations = limits.maxMemoryAllocationCount;
  info.max_memory_allocation_size = vulkan12 ? maintenance3.maxMemoryAllocationSize : 0;
  info.min_storage_buffer_offset_alignment = limits.minStorageBufferOffsetAlignment;
  info.max_texel_buffer_elements = limits.maxTexelBufferElements;
  info.min_texel_buffer_offset_alignment = limits.minTexelBufferOffsetAlignment;
  info.non_coherent_atom_size = limits.nonCoherentAtomSize;
  info.max_push_constants_bytes = limits.maxPushConstantsSize;
  info.max_shared_memory_bytes = limits.maxComputeSharedMemorySize;
  info.max_workgroup_invocations = limits.maxComputeWorkGroupInvocations;
  info.max_workgroup_size_x = limits.maxComputeWorkGroupSize[0];
  info.max_storage_buffers_per_stage = limits.maxPerStageDescriptorStorageBuffers;
  info.max_sampled_images_per_stage = limits.maxPerStageDescriptorSampledImages;
  info.timestamp_period_ns = limits.timestampPeriod;
  for (int i = 0; i < 3; ++i) info.max_workgroup_count[i] = limits.maxComputeWorkGroupCount[i];

  VkPhysicalDeviceMemoryProperties memory{};
  vkGetPhysicalDeviceMemoryProperties(handle, &memory);
  for (uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
    if ((memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0) {
      info.device_local_bytes = std::max<uint64_t>(info.device_local_bytes, memory.memoryHeaps[i].size);
    }
  }

  query_queues(info);
  info.timestamps = info.timestamp_valid_bits > 0 && limits.timestampComputeAndGraphics;

  const auto extensions = device_extensions(handle);
  info.push_descriptors = has_extension(extensions, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  if (basic.apiVersion >= VK_API_VERSION_1_3 || has_extension(extensions, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME)) {
    VkPhysicalDeviceSubgroupSizeControlProperties control{};
    control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES;
    VkPhysicalDeviceProperties2 with_control{};
    with_control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    with_control.pNext = &control;
    vkGetPhysicalDeviceProperties2(handle, &with_control);
    info.min_subgroup_size = control.minSubgroupSize;
    info.max_subgroup_size = control.maxSubgroupSize;
  }
  info.cooperative_matrix = has_extension(extensions, "VK_KHR_cooperative_matrix") ||
                            has_extension(extensions, "VK_NV_cooperative_matrix");

  if (vulkan12) {
    VkPhysicalDeviceVulkan11Features f11{};
    f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    f12.pNext = &f11;
    VkPhysicalDeviceFeatures2 features{};
    features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    features.pNext = &f12;
    vkGetPhysicalDeviceFeatures2(handle, &features);
    info.fp16 = f12.shaderFloat16 && f11.storageBuffer16BitAccess;
    info.buffer_device_address = f12.bufferDeviceAddress;
    info.timeline_semaphores = f12.timelineSemaphore;
  }

  if (!vulkan12) {
    info.unsupported_reason = "Vulkan " + version_text(info.api_version) + " < 1.2";
  } else if (!info.compute_family) {
    info.unsupported_reason = "no compute queue";
  } else if (!info.push_descriptors) {
    info.unsupported_reason = "no VK_KHR_push_descriptor";
  } else if (!info.timeline_semaphores) {
    info.unsupported_reason = "no timeline semaphores";
  } else if (!info.subgroup_ballot) {
    info.unsupported_reason = "no subgroup ballot operations in compute shaders";
  }
  return info;
}

int type_rank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
  }
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string device_list_hint(const std::vector<DeviceInfo>& devices) {
  std::string text;
  for (const auto& d : devices) {
    text += (text.empty() ? "" : ", ") + std::to_string(d.index) + ": " + d.name;
  }
  return "devices are " + text + " (see --list-devices)";
}

}  // namespace

std::vector<DeviceInfo> enumerate_devices(VkInstance instance) {
  uint32_t count = 0;
  VKVAE_CHECK(vkEnumeratePhysicalDevices(instance, &count, nullptr));
  std::vector<VkPhysicalDevice> handles(count);
  VKVAE_CHECK(vkEnumeratePhysicalDevices(instance, &count, handles.data()));
  handles.resize(count);
  std::vector<DeviceInfo> devices;
  for (uint32_t i = 0; i < handles.size(); ++i) devices.push_back(query_device(i, handles[i]));
  return devices;
}

int64_t device_rank(const DeviceInfo& device) {
  const int64_t gib = static_cast<int64_t>(device.device_local_bytes >> 30);
  const int64_t rank = type_rank(device.type) * 1'000'000 + std::min<int64_t>(gib, 999'999);
  return device.usable() ? rank : rank - 10'000'000;
}

const DeviceInfo& select_device(const std::vector<DeviceInfo>& devices, std::string_view selector,
                                std::string_view flag) {
  const std::string option(flag);
  if (devices.empty()) {
    throw Error(
        "no Vulkan device found: apt-get install mesa-vulkan-drivers (lavapipe runs on the CPU) "
        "or your GPU vendor's Vulkan driver",
        2);
  }
  const DeviceInfo* chosen = nullptr;
  if (selector.empty()) {
    chosen = &*std::max_element(devices.begin(), devices.end(), [](const auto& a, const auto& b) {
      return device_rank(a) < device_rank(b);
    });
  } else if (std::all_of(selector.begin(), selector.end(),
                         [](unsigned char c) { return std::isdigit(c) != 0; })) {
    const unsigned long index = selector.size() > 6 ? devices.size() : std::stoul(std::string(selector));
    if (index >= devices.size()) {
      throw UsageError(option + " " + std::string(selector) + ": out of range; " +
                       device_list_hint(devices));
    }
    chosen = &devices[index];
  } else {
    const std::string needle = lowercase(selector);
    for (const auto& d : devices) {
      if (lowercase(d.name).find(needle) == std::string::npos) continue;
      if (chosen != nullptr) {
        throw UsageError(option + " '" + std::string(selector) +
                         "': matches more than one device; give its index instead; " +
                         device_list_hint(devices));
      }
      chosen = &d;
    }
    if (chosen == nullptr) {
      throw UsageError(option + " '" + std::string(selector) + "': matches no device name; " +
                       device_list_hint(devices));
    }
  }
  if (!chosen->usable()) {
    throw Error("device " + std::to_string(chosen->index) + " (" + chosen->name +
                    ") cannot run vkvae: " + chosen->unsupported_reason +
                    "; update its driver or pick another with " + option,
                2);
  }
  return *chosen;
}

std::string_view device_type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
  }
}

std::string vendor_name(uint32_t vendor_id) {
  switch (vendor_id) {
    case 0x1002: return "AMD";
    case 0x10DE: return "NVIDIA";
    case 0x8086: return "Intel";
    case 0x13B5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x1010: return "ImgTec";
    case 0x10005: return "Mesa";
    default: {
      char text[16];
      std::snprintf(text, sizeof text, "0x%04X", vendor_id);
      return text;
    }
  }
}

std::string describe_device(const DeviceInfo& d) {
  std::string features;
  auto add = [&](bool present, const char* name) {
    if (present) features += std::string(features.empty() ? "" : " ") + name;
  };
  add(d.fp16, "fp16");
  add(d.timestamps, "timestamps");
  add(d.cooperative_matrix, "coopmat");
  add(d.push_descriptors, "push-descriptors");
  add(d.buffer_device_address, "bda");
  add(d.transfer_family.has_value(), "transfer-queue");

  std::string line = std::to_string(d.index) + ": " + d.name + " | " +
                     std::string(device_type_name(d.type)) + " | " + vendor_name(d.vendor_id) +
                     " | Vulkan " + version_text(d.api_version) + " | driver " + d.driver +
                     " | " + format_bytes(d.device_local_bytes) + " | subgroup " +
                     std::to_string(d.subgroup_size) +
                     (d.min_subgroup_size != 0 && d.min_subgroup_size != d.max_subgroup_size
                          ? " (" + std::to_string(d.min_subgroup_size) + "–" + std::to_string(d.max_subgroup_size) + ")"
                          : "") +
                     " | " + (features.empty() ? "-" : features);
  if (!d.usable()) line += " | unusable: " + d.unsupported_reason;
  return line;
}

}  // namespace vkvae::vk
