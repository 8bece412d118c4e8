// A run training in-process on a worker thread, shown live: the explorer's decoders get a
// consistent copy of the weights between chunks of steps, and a dashboard shows the curves and
// steers the run (pause, checkpoint now, β and learning rate). The window never waits on a
// training chunk for its state; decoding shares the device queue, so on a device with one
// queue a decode waits behind at most one chunk (kept short: ≈0.1 s).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model_source.hpp"
#include "train/run.hpp"

namespace vkvae::view {

class LiveTraining : public ModelSource, private train::Reporter, private train::RunControl {
 public:
  LiveTraining(vk::Context& context, train::RunRequest request);
  // Stops the run (it writes a checkpoint) and waits for it.
  ~LiveTraining() override;

  const train::TrainOptions& options() const override { return options_; }
  int64_t step() const override { return step_.load(); }
  train::GridDecoder& decoder(int64_t count, uint32_t nrow) override;
  uint64_t weights_version() const override { return version_.load(); }
  std::mutex& weights_mutex() override { return weights_mutex_; }

  void dashboard_ui(const std::string& device);
  // Asks the run to stop (a checkpoint is written) and waits for it.
  void stop();
  bool finished() const { return finished_.load(); }
  // How the run ended: the result, or the error that ended it ("" while running).
  std::string outcome() const;
  bool failed() const;

 private:
  // train::Reporter, on the training thread.
  void note(const std::string& line) override;
  void epoch_started(int64_t epoch, int64_t epochs, int64_t done, int64_t steps) override;
  void progress(int64_t done, double loss, double samples_per_s) override;
  void epoch_ended(const nlohmann::json& record) override;
  // train::RunControl, on the training thread.
  train::Between between_chunks(train::Session& session) override;

  vk::Context& context_;
  train::RunRequest request_;
  train::TrainOptions options_;
  std::unique_ptr<ops::Kernels> kernels_;  // the decoders' (the run has its own)

  std::mutex weights_mutex_;
  std::map<std::pair<int64_t, uint32_t>, std::unique_ptr<train::GridDecoder>> decoders_;  // under weights_mutex_
  std::atomic<uint64_t> version_{0};
  std::atomic<int64_t> step_{0};
  double last_copy_ = -1.0;

  // What the dashboard shows and asks, under status_mutex_.
  mutable std::mutex status_mutex_;
  std::condition_variable resume_;
  bool paused_ = false, save_now_ = false;
  std::optional<double> new_lr_, new_beta_;
  int64_t epoch_ = 0, epochs_ = 0, epoch_done_ = 0, epoch_steps_ = 0;
  double samples_per_s_ = 0.0;
  std::vector<float> running_loss_, train_loss_, test_loss_, test_recon_, test_kl_;
  std::vector<std::string> notes_;
  std::string outcome_;
  bool failed_ = false;
  float lr_input_ = 0.0f, beta_input_ = 1.0f;

  std::atomic<bool> stop_{false}, finished_{false};
  std::thread worker_;
};

}  // namespace vkvae::view
