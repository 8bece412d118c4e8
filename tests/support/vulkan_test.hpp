// The fixture for every test that touches Vulkan: a Context on the test device (lavapipe unless
// VKVAE_TEST_DEVICE says otherwise) with validation and synchronization validation on, and a
// check after each test that the layer reported no error.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "vk/context.hpp"

namespace vkvae::test {

// Options for a test Context: the test device, validation and sync validation on.
vk::ContextOptions test_context_options();

class VulkanTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Tests that provoke validation errors on purpose call this before TearDown.
  void expect_validation_errors(int count) { expected_errors_ = count; }

  vk::Context& context() { return *context_; }

  std::unique_ptr<vk::Context> context_;

 private:
  int expected_errors_ = 0;
};

}  // namespace vkvae::test
