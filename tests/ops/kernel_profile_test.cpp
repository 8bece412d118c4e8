// The kernel profile: one place decides which kernels and tiles a device gets; VKVAE_KERNELS
// forces either side; subgroup-dependent sharing only where the subgroup size is fixed. The
// suite runs the op, graph and train tests under both profiles and at lavapipe's three widths
// (tests/CMakeLists.txt), and the first test here proves each run got the setting it names.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "ops/encoder.hpp"
#include "ops/kernel_profile.hpp"
#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::test {
namespace {

using ops::KernelKind;

class Profile : public VulkanTest {};

TEST_F(Profile, TheRunGetsTheSettingsItNames) {
  const ops::Kernels kernels(context());
  const char* set = std::getenv("VKVAE_KERNELS");
  const char* forced = set != nullptr && *set != '\0' ? set : nullptr;  // empty: as unset
  const bool cpu_device = context().info().type == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const KernelKind expected = forced ? (std::string(forced) == "cpu" ? KernelKind::cpu : KernelKind::gpu)
                                     : (cpu_device ? KernelKind::cpu : KernelKind::gpu);
  EXPECT_EQ(kernels.profile().kind, expected);
  if (const char* width = std::getenv("LP_NATIVE_VECTOR_WIDTH"); width && cpu_device) {
    EXPECT_EQ(context().info().subgroup_size, static_cast<uint32_t>(std::stoi(width) / 32));
  }
}

vk::DeviceInfo device(VkPhysicalDeviceType type, uint32_t subgroup, uint32_t min, uint32_t max) {
  vk::DeviceInfo d;
  d.type = type;
  d.subgroup_size = subgroup;
  d.min_subgroup_size = min;
  d.max_subgroup_size = max;
  return d;
}

TEST(KernelProfile, FollowsTheDeviceUnlessForced) {
  const auto gpu = ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 32, 32, 32), std::nullopt);
  EXPECT_EQ(gpu.kind, KernelKind::gpu);
  EXPECT_EQ(gpu.shared_load_lanes, 1u);
  EXPECT_FALSE(gpu.narrow_convolutions);
  EXPECT_EQ(gpu.conv_accumulators, 32u);
  EXPECT_EQ(gpu.gemm_rows(true), 4u);  // 4 rows × 4 vec4 columns: 64 accumulators
  EXPECT_EQ(gpu.gemm_rows(false), 8u);

  const auto lavapipe = ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_CPU, 8, 8, 8), std::nullopt);
  EXPECT_EQ(lavapipe.kind, KernelKind::cpu);
  EXPECT_EQ(lavapipe.shared_load_lanes, 8u);
  EXPECT_TRUE(lavapipe.narrow_convolutions);
  EXPECT_EQ(lavapipe.narrow_weight_lanes, 8u);
  EXPECT_EQ(lavapipe.gemm_rows(true), 32u);
  // Sharing among 8 of 16 lanes (16 compiled for minutes); 4 lanes share among 4.
  EXPECT_EQ(ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_CPU, 16, 16, 16), std::nullopt).shared_load_lanes, 8u);
  EXPECT_EQ(ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_CPU, 4, 4, 4), std::nullopt).shared_load_lanes, 4u);

  // Forced: the GPU side on a CPU device; the CPU side on a GPU whose subgroups vary in size
  // (an Intel or AMD driver may run 8 to 32 or 32 to 64 lanes), where no lane may be assumed.
  EXPECT_EQ(ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_CPU, 8, 8, 8), KernelKind::gpu).narrow_convolutions, false);
  const auto varying = ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 32, 8, 32), KernelKind::cpu);
  EXPECT_EQ(varying.kind, KernelKind::cpu);
  EXPECT_EQ(varying.shared_load_lanes, 1u);
  EXPECT_EQ(ops::kernel_profile(device(VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 32, 0, 0), KernelKind::cpu).shared_load_lanes, 1u);
}

TEST(KernelProfile, AnUnknownSettingIsAClearError) {
  const char* before = std::getenv("VKVAE_KERNELS");
  const std::string saved = before ? before : "";
  ::setenv("VKVAE_KERNELS", "fast", 1);
  try {
    ops::kernels_from_environment();
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "VKVAE_KERNELS=fast: use gpu or cpu (or leave it unset for the device's own profile)");
  }
  if (before) ::setenv("VKVAE_KERNELS", saved.c_str(), 1);
  else ::unsetenv("VKVAE_KERNELS");
}

}  // namespace
}  // namespace vkvae::test
