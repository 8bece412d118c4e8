// Device ranking and selection (pure logic on made-up devices), and what lavapipe reports.
#include <gtest/gtest.h>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"
#include "vk/device_info.hpp"

namespace vkvae::vk {
namespace {

DeviceInfo made_up(uint32_t index, const char* name, VkPhysicalDeviceType type, uint64_t gib) {
  DeviceInfo d;
  d.index = index;
  d.name = name;
  d.type = type;
  d.device_local_bytes = gib << 30;
  return d;
}

std::vector<DeviceInfo> three_devices() {
  return {made_up(0, "llvmpipe (LLVM 15)", VK_PHYSICAL_DEVICE_TYPE_CPU, 2),
          made_up(1, "Intel(R) UHD Graphics 770", VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 8),
          made_up(2, "NVIDIA GeForce RTX 4090", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 24)};
}

template <typename E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

TEST(SelectDevice, DefaultPrefersDiscreteThenIntegratedThenCpu) {
  auto devices = three_devices();
  EXPECT_EQ(select_device(devices, "").index, 2u);
  devices.pop_back();
  EXPECT_EQ(select_device(devices, "").index, 1u);
  devices.pop_back();
  EXPECT_EQ(select_device(devices, "").index, 0u);
}

TEST(SelectDevice, MoreMemoryBreaksTiesOfType) {
  std::vector<DeviceInfo> devices = {made_up(0, "small", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 8),
                                     made_up(1, "big", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 80)};
  EXPECT_EQ(select_device(devices, "").name, "big");
}

TEST(SelectDevice, DefaultSkipsUnusableDevices) {
  auto devices = three_devices();
  devices[2].unsupported_reason = "no VK_KHR_push_descriptor";
  EXPECT_EQ(select_device(devices, "").index, 1u);
}

TEST(SelectDevice, ByIndexAndByNameSubstringIgnoringCase) {
  const auto devices = three_devices();
  EXPECT_EQ(select_device(devices, "0").index, 0u);
  EXPECT_EQ(select_device(devices, "rtx").index, 2u);
  EXPECT_EQ(select_device(devices, "LLVMPIPE").index, 0u);
}

TEST(SelectDevice, IndexOutOfRangeNamesTheFlagAndTheDevices) {
  const auto devices = three_devices();
  const std::string message = message_of<UsageError>([&] { select_device(devices, "3"); });
  EXPECT_NE(message.find("--device 3: out of range"), std::string::npos) << message;
  EXPECT_NE(message.find("2: NVIDIA GeForce RTX 4090"), std::string::npos) << message;
  EXPECT_NE(message_of<UsageError>([&] { select_device(devices, "99999999999999"); }), "<no exception>");
}

TEST(SelectDevice, NameMatchingNothingOrSeveralIsAUsageError) {
  const auto devices = three_devices();
  EXPECT_NE(message_of<UsageError>([&] { select_device(devices, "radeon"); }).find("matches no device"),
            std::string::npos);
  EXPECT_NE(message_of<UsageError>([&] { select_device(devices, "i"); }).find("more than one"),
            std::string::npos);
}

TEST(SelectDevice, ExplicitlyChosenUnusableDeviceSaysWhy) {
  auto devices = three_devices();
  devices[2].unsupported_reason = "Vulkan 1.1.0 < 1.2";
  try {
    select_device(devices, "2");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("Vulkan 1.1.0 < 1.2"), std::string::npos);
  }
}

TEST(SelectDevice, NoDeviceAtAllExitsWithCodeTwoAndSaysWhatToInstall) {
  try {
    select_device({}, "");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("mesa-vulkan-drivers"), std::string::npos);
  }
}

TEST(DescribeDevice, OneLineWithEveryField) {
  DeviceInfo d = made_up(3, "NVIDIA H100", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 80);
  d.vendor_id = 0x10DE;
  d.api_version = VK_MAKE_API_VERSION(0, 1, 3, 260);
  d.driver = "NVIDIA: 550.54.15";
  d.subgroup_size = 32;
  d.fp16 = d.timestamps = d.cooperative_matrix = d.push_descriptors = true;
  const std::string line = describe_device(d);
  EXPECT_EQ(line,
            "3: NVIDIA H100 | discrete GPU | NVIDIA | Vulkan 1.3.260 | driver NVIDIA: 550.54.15 | "
            "80.0 GiB | subgroup 32 | fp16 timestamps coopmat push-descriptors");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

class TestDevice : public test::VulkanTest {};

TEST_F(TestDevice, ReportsWhatVkvaeNeeds) {
  const DeviceInfo& info = context().info();
  EXPECT_TRUE(info.usable()) << info.unsupported_reason;
  EXPECT_TRUE(info.push_descriptors);
  EXPECT_TRUE(info.timeline_semaphores);
  EXPECT_TRUE(info.subgroup_ballot);
  EXPECT_TRUE(info.compute_family.has_value());
  EXPECT_GE(info.api_version, VK_API_VERSION_1_2);
  EXPECT_GT(info.subgroup_size, 0u);
  EXPECT_GT(info.max_storage_buffer_range, 0u);
  EXPECT_GE(info.max_push_constants_bytes, 128u);
  EXPECT_FALSE(info.name.empty());
  EXPECT_FALSE(info.driver.empty());
  if (info.type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    // Facts measured on Mesa 22.3 lavapipe (DESIGN §5).
    EXPECT_EQ(info.subgroup_size, 8u);
    EXPECT_TRUE(info.timestamps);
    EXPECT_EQ(info.max_storage_buffer_range, 128u << 20);
  }
}

}  // namespace
}  // namespace vkvae::vk
