// Where the explorer's model comes from: a checkpoint, or a run training in-process (live.hpp).
// Decoders are the source's, kept for reuse; their weights change only under weights_mutex().
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "train/inference.hpp"

namespace vkvae::view {

class ModelSource {
 public:
  virtual ~ModelSource() = default;
  virtual const train::TrainOptions& options() const = 0;
  virtual int64_t step() const = 0;
  // A decoder of `count` z drawn `nrow` per row (created on first use, then reused).
  virtual train::GridDecoder& decoder(int64_t count, uint32_t nrow) = 0;
  // Bumped whenever the decoders' weights change; decode under the mutex.
  virtual uint64_t weights_version() const = 0;
  virtual std::mutex& weights_mutex() = 0;
};

class CheckpointModel : public ModelSource {
 public:
  CheckpointModel(vk::Context& context, const std::filesystem::path& checkpoint) : model_(context, checkpoint) {}
  const train::TrainOptions& options() const override { return model_.options(); }
  int64_t step() const override { return model_.step(); }
  train::GridDecoder& decoder(int64_t count, uint32_t nrow) override {
    auto& d = decoders_[{count, nrow}];
    if (!d) d = model_.make_decoder(count, nrow, /*drawn=*/true);
    return *d;
  }
  uint64_t weights_version() const override { return 1; }
  std::mutex& weights_mutex() override { return mutex_; }

 private:
  train::TrainedModel model_;
  std::map<std::pair<int64_t, uint32_t>, std::unique_ptr<train::GridDecoder>> decoders_;
  std::mutex mutex_;
};

}  // namespace vkvae::view
