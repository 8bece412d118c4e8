// Where the explorer's model comes from: a checkpoint, or a run training in-process (live.hpp).
// The source keeps the decoders, reconstructors and forward passes the panels ask for, each with its own copy
// of the weights; those copies change only under weights_mutex(), and weights_version() says
// when they did.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "train/grid_decoder.hpp"
#include "train/inference.hpp"
#include "train/reconstructor.hpp"

namespace vkvae::view {

class ModelSource {
 public:
  ModelSource(vk::Context& context, train::TrainOptions options);
  virtual ~ModelSource();

  const train::TrainOptions& options() const { return options_; }
  virtual int64_t step() const = 0;
  // A decoder of `count` z drawn `nrow` per row (made on first use, then kept); `slot` keeps
  // apart panels that want the same shape.
  train::GridDecoder& decoder(int64_t count, uint32_t nrow, int slot = 0);
  // The first `count` test images and their reconstructions; nullptr when the test set cannot
  // be read (test_data_problem() says why).
  train::Reconstructor* reconstructor(int64_t count, uint32_t nrow);
  // A forward pass of `batch` images the host gives (train::Pass::reconstruct: μ, the mean
  // reconstruction, the negative ELBO's terms), made on first use, then kept. Run it under
  // weights_mutex().
  train::BatchPass& pass(int64_t batch);
  const std::string& test_data_problem() const { return test_problem_; }
  const data::Dataset* test_data();

  uint64_t weights_version() const { return version_.load(); }
  std::mutex& weights_mutex() { return mutex_; }

 protected:
  // Gives a new decoder or reconstructor its weights (called under the mutex).
  virtual void fill(train::GridDecoder& decoder) = 0;
  virtual void fill(train::Reconstructor& reconstructor) = 0;
  virtual void fill(train::BatchPass& pass) = 0;
  // Copies the weights of a training program into everything kept (takes the mutex).
  void copy_all(const graph::Program& from, const graph::Graph& from_graph);

  vk::Context& context_;

 private:
  train::TrainOptions options_;
  std::unique_ptr<ops::Kernels> kernels_;
  std::map<std::tuple<int64_t, uint32_t, int>, std::unique_ptr<train::GridDecoder>> decoders_;
  std::map<std::pair<int64_t, uint32_t>, std::unique_ptr<train::Reconstructor>> reconstructors_;
  std::map<int64_t, std::unique_ptr<train::BatchPass>> passes_;
  std::optional<data::Dataset> test_;
  std::string test_problem_;
  bool test_tried_ = false;
  std::mutex mutex_;
  std::atomic<uint64_t> version_{1};
};

class CheckpointModel : public ModelSource {
 public:
  CheckpointModel(vk::Context& context, const std::filesystem::path& checkpoint);
  int64_t step() const override { return model_->step(); }

 private:
  // The checkpoint, read before the base class is built from its options.
  CheckpointModel(vk::Context& context, std::unique_ptr<train::TrainedModel> model);
  void fill(train::GridDecoder& decoder) override;
  void fill(train::Reconstructor& reconstructor) override;
  void fill(train::BatchPass& pass) override;

  std::unique_ptr<train::TrainedModel> model_;
};

}  // namespace vkvae::view
