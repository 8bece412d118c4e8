// The debug messenger counts what the validation layer reports, and can make it fatal.
#include <gtest/gtest.h>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::vk {
namespace {

// VUID-VkBufferCreateInfo-usage-requiredbitmask: a buffer must have some usage. The layer
// reports it and does not pass the call on, so nothing invalid reaches the driver.
void create_invalid_buffer(Context& context) {
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = 64;
  info.usage = 0;
  VkBuffer buffer = VK_NULL_HANDLE;
  vkCreateBuffer(context.device().handle(), &info, nullptr, &buffer);
  if (buffer != VK_NULL_HANDLE) vkDestroyBuffer(context.device().handle(), buffer, nullptr);
}

class Validation : public test::VulkanTest {};

TEST_F(Validation, MessengerCountsADeliberatelyInvalidCall) {
  ValidationLog& log = context().instance().validation();
  log.set_print(false);
  ASSERT_TRUE(context().instance().validation_enabled());
  ASSERT_EQ(log.errors(), 0);
  create_invalid_buffer(context());
  EXPECT_GE(log.errors(), 1);
  ASSERT_FALSE(log.recent_errors().empty());
  EXPECT_NE(log.recent_errors().front().find("VUID-VkBufferCreateInfo-usage"), std::string::npos)
      << log.recent_errors().front();
  EXPECT_NO_THROW(context().check_validation("not fatal by default"));
  expect_validation_errors(log.errors());
}

TEST_F(Validation, FatalModeThrowsAtTheNextCheck) {
  ContextOptions options = test::test_context_options();
  options.fatal_validation = true;
  options.print_validation = false;
  context_ = std::make_unique<Context>(options);
  EXPECT_NO_THROW(context().check_validation("clean so far"));
  create_invalid_buffer(context());
  try {
    context().check_validation("after the invalid call");
    FAIL() << "expected a fatal validation error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("after the invalid call: ", 0), 0u) << message;
    EXPECT_NE(message.find("validation error"), std::string::npos) << message;
  }
  expect_validation_errors(context().instance().validation().errors());
}

TEST_F(Validation, ClearResetsTheCounts) {
  ValidationLog& log = context().instance().validation();
  log.record(VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT, "a made-up warning");
  log.set_print(false);
  log.record(VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, "a made-up error");
  EXPECT_EQ(log.warnings(), 1);
  EXPECT_EQ(log.errors(), 1);
  log.clear();
  EXPECT_EQ(log.errors(), 0);
  EXPECT_TRUE(log.recent_errors().empty());
}

}  // namespace
}  // namespace vkvae::vk
