// Test entry point: pins the Vulkan driver to lavapipe before anything loads Vulkan, unless
// VKVAE_TEST_DEVICE asks for another device (then every installed driver stays visible).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace {

void pin_lavapipe() {
  if (std::getenv("VKVAE_TEST_DEVICE") != nullptr) return;
  const std::filesystem::path icd_dir = "/usr/share/vulkan/icd.d";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(icd_dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("lvp_icd.")) {
      setenv("VK_DRIVER_FILES", entry.path().c_str(), 1);
      setenv("VK_ICD_FILENAMES", entry.path().c_str(), 1);  // loaders older than 1.3.207
      return;
    }
  }
  // No lavapipe: leave the drivers as they are; tests then run on whatever is installed.
}

}  // namespace

int main(int argc, char** argv) {
  pin_lavapipe();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
