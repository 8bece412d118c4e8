#include "support/model_test.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "support/idx_writer.hpp"
#include "train/run.hpp"

namespace vkvae::test {
namespace {

namespace fs = std::filesystem;

class Quiet : public train::Reporter {
 public:
  void note(const std::string&) override {}
  void epoch_started(int64_t, int64_t, int64_t, int64_t) override {}
  void progress(int64_t, double, double, double) override {}
  void epoch_ended(const nlohmann::json&) override {}
};

}  // namespace

void ModelTest::SetUp() {
  VulkanTest::SetUp();
  root_ = fs::temp_directory_path() /
          (prefix_ + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(root_);
  write_mnist_dir(root_ / "data", train_, test_);
}

void ModelTest::TearDown() {
  fs::remove_all(root_);
  VulkanTest::TearDown();
}

fs::path ModelTest::trained(const std::string& model, int64_t epochs) {
  train::GivenOptions g;
  g.model = model;
  g.batch = 32;
  g.epochs = epochs;
  g.hidden = 32;
  g.data = (root_ / "data").string();
  train::RunRequest r;
  r.options = train::resolve(g);
  r.out = root_ / model;
  Quiet quiet;
  const std::atomic<bool> never{false};
  train::run_training(context(), r, quiet, never);
  return root_ / model / "checkpoints" / "last.safetensors";
}

data::Dataset ModelTest::test_set() const {
  return data::load_dataset(root_ / "data" / "t10k-images-idx3-ubyte", root_ / "data" / "t10k-labels-idx1-ubyte");
}

}  // namespace vkvae::test
