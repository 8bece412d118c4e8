// A fixture for the tests of what uses a trained model: a synthetic MNIST-layout data directory
// in a folder of the test's own (its name and the pid: a test may run under two settings at
// once), and small models trained on it in-process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "data/idx.hpp"
#include "support/vulkan_test.hpp"

namespace vkvae::test {

class ModelTest : public VulkanTest {
 protected:
  // `train` and `test` images in the data directory; `prefix` names the folder.
  ModelTest(int64_t train, int64_t test, std::string prefix) : train_(train), test_(test), prefix_(std::move(prefix)) {}
  void SetUp() override;
  void TearDown() override;

  // Trains `model` (batch 32, hidden 32) for `epochs` on the data; returns its last checkpoint.
  std::filesystem::path trained(const std::string& model, int64_t epochs = 2);
  data::Dataset test_set() const;

  std::filesystem::path root_;

 private:
  int64_t train_, test_;
  std::string prefix_;
};

}  // namespace vkvae::test
