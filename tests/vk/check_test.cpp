// VkResult errors read well: result name, call, file:line and a hint on one line.
#include <gtest/gtest.h>

#include "vk/check.hpp"

namespace vkvae::vk {
namespace {

TEST(Check, SuccessAndPositiveCodesDoNotThrow) {
  EXPECT_NO_THROW(VKVAE_CHECK(VK_SUCCESS));
  EXPECT_NO_THROW(VKVAE_CHECK(VK_INCOMPLETE));
}

VkResult vkPretendCall(int, int) { return VK_ERROR_OUT_OF_DEVICE_MEMORY; }

TEST(Check, ErrorNamesResultCallPlaceAndHint) {
  try {
    VKVAE_CHECK(vkPretendCall(1, 2));
    FAIL() << "expected a VulkanError";
  } catch (const VulkanError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.result(), VK_ERROR_OUT_OF_DEVICE_MEMORY);
    EXPECT_EQ(message.rfind("vkPretendCall failed: VK_ERROR_OUT_OF_DEVICE_MEMORY at ", 0), 0u)
        << message;
    EXPECT_NE(message.find("tests/vk/check_test.cpp:"), std::string::npos) << message;
    EXPECT_NE(message.find("smaller batch"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}

TEST(Check, EveryErrorHasAHint) {
  for (VkResult r : {VK_ERROR_DEVICE_LOST, VK_ERROR_INCOMPATIBLE_DRIVER, VK_ERROR_LAYER_NOT_PRESENT,
                     VK_TIMEOUT, VK_ERROR_UNKNOWN}) {
    EXPECT_GT(std::string(result_hint(r)).size(), 20u) << result_name(r);
  }
}

TEST(Check, UnknownResultsAreNamedByNumber) {
  EXPECT_EQ(result_name(VK_ERROR_DEVICE_LOST), "VK_ERROR_DEVICE_LOST");
  EXPECT_EQ(result_name(static_cast<VkResult>(-123456)), "VkResult(-123456)");
}

}  // namespace
}  // namespace vkvae::vk
