// The pipeline cache is saved on exit, reloaded next time, and survives junk on disk.
#include <gtest/gtest.h>

#include <fstream>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::vk {
namespace {

class PipelineCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vkvae-cache-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ContextOptions options() {
    ContextOptions o = test::test_context_options();
    o.cache_dir = dir_;
    return o;
  }
  static PipelineDesc axpy() {
    return {"axpy", 2, 8, {SpecConstant::u32(0, 64), SpecConstant::u32(1, 2)}};
  }

  std::filesystem::path dir_;
};

TEST_F(PipelineCacheTest, SavedOnExitAndReusedNextRun) {
  prepare_cache_dir(dir_);
  std::filesystem::path file;
  {
    Context cold(options());
    EXPECT_EQ(cold.pipeline_cache().loaded_bytes(), 0u);
    ComputePipeline p = cold.pipeline(axpy());
    file = cold.pipeline_cache().file();
    EXPECT_EQ(file.parent_path(), dir_);
    EXPECT_EQ(cold.instance().validation().errors(), 0);
  }
  ASSERT_TRUE(std::filesystem::is_regular_file(file));
  const auto size = std::filesystem::file_size(file);
  // At least the header; lavapipe stores nothing behind it (it compiles every time).
  EXPECT_GE(size, sizeof(VkPipelineCacheHeaderVersionOne));

  Context warm(options());
  EXPECT_EQ(warm.pipeline_cache().loaded_bytes(), size);
  ComputePipeline p = warm.pipeline(axpy());
  EXPECT_TRUE(p.handle() != VK_NULL_HANDLE);
  EXPECT_EQ(warm.instance().validation().errors(), 0);
}

TEST_F(PipelineCacheTest, JunkOnDiskIsIgnoredAndReplaced) {
  prepare_cache_dir(dir_);
  std::filesystem::path file;
  {
    Context first(options());
    file = first.pipeline_cache().file();
  }
  { std::ofstream(file, std::ios::binary | std::ios::trunc) << "this is not a pipeline cache"; }
  {
    Context second(options());
    EXPECT_EQ(second.pipeline_cache().loaded_bytes(), 0u);
    ComputePipeline p = second.pipeline(axpy());
    EXPECT_EQ(second.instance().validation().errors(), 0);
  }
  std::ifstream in(file, std::ios::binary);
  VkPipelineCacheHeaderVersionOne header{};
  in.read(reinterpret_cast<char*>(&header), sizeof header);
  EXPECT_EQ(header.headerVersion, VK_PIPELINE_CACHE_HEADER_VERSION_ONE);
}

TEST_F(PipelineCacheTest, UnusableDirectoriesAreUsageErrorsNamingTheFlag) {
  std::filesystem::create_directories(dir_);
  const std::filesystem::path file = dir_ / "plain-file";
  { std::ofstream(file) << "x"; }
  try {
    prepare_cache_dir(file);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--cache-dir " + file.string() + ": exists and is not a directory"),
              std::string::npos)
        << e.what();
  }
  try {
    prepare_cache_dir(file / "below-a-file");
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vkvae::vk
