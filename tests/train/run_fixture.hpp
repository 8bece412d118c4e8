// The fixture of whole-run tests (run_test.cpp, data_parallel_test.cpp): small synthetic MNIST
// data in a temporary directory, small options, and ways to run, resume and compare runs.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.hpp"
#include "support/idx_writer.hpp"
#include "support/vulkan_test.hpp"
#include "train/run.hpp"

namespace vkvae::train {

namespace fs = std::filesystem;
using nlohmann::json;

// Records what a run reports; can ask the run to stop after some steps.
class Recorder : public Reporter {
 public:
  explicit Recorder(std::atomic<bool>* stop = nullptr, int64_t stop_after = 0) : stop_(stop), stop_after_(stop_after) {}
  void note(const std::string& line) override { notes += line; }
  void epoch_started(int64_t, int64_t, int64_t, int64_t) override {}
  void progress(int64_t done, double, double, double) override {
    if (stop_ && done >= stop_after_) stop_->store(true);
  }
  void epoch_ended(const json& record) override { records.push_back(record); }
  std::vector<json> records;
  std::string notes;

 private:
  std::atomic<bool>* stop_;
  int64_t stop_after_;
};

// VKVAE_MAX_BINDING_BYTES for as long as it lives: data larger than 8 such bindings streams.
class BindingLimit {
 public:
  explicit BindingLimit(uint64_t bytes) { setenv("VKVAE_MAX_BINDING_BYTES", std::to_string(bytes).c_str(), 1); }
  ~BindingLimit() { unsetenv("VKVAE_MAX_BINDING_BYTES"); }
  BindingLimit(const BindingLimit&) = delete;
  BindingLimit& operator=(const BindingLimit&) = delete;
};

class RunTest : public test::VulkanTest {
 protected:
  void SetUp() override {
    VulkanTest::SetUp();
    root_ = fs::temp_directory_path() / ("vkvae_run_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
                                        std::to_string(::getpid()));  // a test may run under two settings at once
    fs::remove_all(root_);
    test::write_mnist_dir(root_ / "data", 256, 40, /*gzip=*/true);
  }
  void TearDown() override {
    fs::remove_all(root_);
    VulkanTest::TearDown();
  }

  // mlp on 256 images, batch 32: 8 steps an epoch.
  TrainOptions small(const std::string& model = "mlp") const {
    GivenOptions g;
    g.model = model;
    g.batch = 32;
    g.epochs = 2;
    g.hidden = 32;
    g.seed = 11;
    g.binarize = "dynamic";
    g.data = (root_ / "data").string();
    return resolve(g);
  }

  RunResult train(const RunRequest& request, Reporter* reporter = nullptr) {
    Recorder quiet;
    const std::atomic<bool> never{false};
    return run_training(context(), request, reporter ? *reporter : quiet, never);
  }

  static RunRequest fresh(const TrainOptions& options, const fs::path& out) {
    RunRequest r;
    r.options = options;
    r.out = out;
    return r;
  }
  static RunRequest resume(const fs::path& dir) {
    RunRequest r;
    r.resume = dir;
    return r;
  }

  // The losses of each record, without the timings.
  static std::vector<json> losses(const fs::path& dir) {
    std::ifstream in(dir / "metrics.jsonl");
    std::vector<json> out;
    for (std::string line; std::getline(in, line);) {
      json record = json::parse(line);
      record.erase("seconds");
      record.erase("samples_per_s");
      out.push_back(record);
    }
    return out;
  }
  static std::vector<json> complete(std::vector<json> records) {
    std::erase_if(records, [](const json& r) { return r.at("partial").get<bool>(); });
    return records;
  }
  // A checkpoint's tensors, and its metadata without timings.
  static std::pair<std::vector<io::NamedTensor>, json> checkpoint(const fs::path& dir) {
    const io::SafeTensors file = io::read_safetensors(dir / "checkpoints" / "last.safetensors");
    json progress = json::parse(file.metadata.at("progress"));
    progress.erase("epoch_seconds");
    for (json& record : progress.at("history")) record.erase("seconds"), record.erase("samples_per_s");
    return {file.tensors, progress};
  }
  static void expect_same_tensors(const std::vector<io::NamedTensor>& a, const std::vector<io::NamedTensor>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].name, b[i].name);
      EXPECT_TRUE(a[i].data == b[i].data) << a[i].name << " differs";
    }
  }

  fs::path root_;
};

}  // namespace vkvae::train
