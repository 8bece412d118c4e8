#include "support/vulkan_test.hpp"

#include <cstdlib>

namespace vkvae::test {

vk::ContextOptions test_context_options() {
  vk::ContextOptions options;
  const char* device = std::getenv("VKVAE_TEST_DEVICE");
  options.device = device != nullptr ? device : "";
  options.device_flag = "VKVAE_TEST_DEVICE";
  options.validation = true;
  options.synchronization_validation = true;
  options.timeout = std::chrono::seconds(120);  // generous: CI machines are shared and slow
  return options;
}

void VulkanTest::SetUp() { context_ = std::make_unique<vk::Context>(test_context_options()); }

void VulkanTest::TearDown() {
  const auto& log = context_->instance().validation();
  EXPECT_EQ(log.errors(), expected_errors_) << "Vulkan validation errors; recent ones are printed above";
  context_.reset();
}

}  // namespace vkvae::test
