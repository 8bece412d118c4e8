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

#include "layout.hpp"
#include "model_source.hpp"
#include "train/run.hpp"

namespace vkvae::view {

class LiveTraining : public ModelSource, private train::Reporter, private train::RunControl {
 public:
  LiveTraining(vk::Context& context, train::RunRequest request);
  // Stops the run (it writes a checkpoint) and waits for it.
  ~LiveTraining() override;

  int64_t step() const override { return step_.load(); }

  void dashboard_ui(const Layout& layout);
  // Asks the run to stop (a checkpoint is written) and waits for it.
  void stop();
  bool finished() const { return finished_.load(); }
  // How the run ended: the result, or the error that ended it ("" while running).
  std::string outcome() const;
  bool failed() const;

 private:
  // New decoders, reconstructors and passes get the weights with the next copy.
  void fill(train::GridDecoder&) override { last_copy_ = -1.0; }
  void fill(train::Reconstructor&) override { last_copy_ = -1.0; }
  void fill(train::BatchPass&) override { last_copy_ = -1.0; }
  // train::Reporter, on the training thread.
  void note(const std::string& line) override;
  void epoch_started(int64_t epoch, int64_t epochs, int64_t done, int64_t steps) override;
  void progress(int64_t done, double recon, double kl, double samples_per_s) override;
  void epoch_ended(const nlohmann::json& record) override;
  // train::RunControl, on the training thread.
  train::Between between_chunks(train::Session& session) override;

  train::RunRequest request_;
  std::atomic<int64_t> step_{0};
  std::atomic<double> last_copy_{-1.0};

  // What the dashboard shows and asks, under status_mutex_.
  mutable std::mutex status_mutex_;
  std::condition_variable resume_;
  bool paused_ = false, save_now_ = false;
  std::optional<double> new_lr_, new_beta_;
  int64_t epoch_ = 0, epochs_ = 0, epoch_done_ = 0, epoch_steps_ = 0;
  double samples_per_s_ = 0.0;
  // The curves, each against the step its point was taken at.
  std::vector<float> running_steps_, running_loss_, running_recon_, running_kl_;
  std::vector<float> epoch_steps_at_, train_loss_, test_loss_, test_recon_, test_kl_;
  std::vector<std::string> notes_;
  std::string outcome_;
  bool failed_ = false;
  // Doubles, so that a value set is the value typed (1e-3, not float's 0.0010000000474974513).
  double lr_input_ = 0.0, beta_input_ = 1.0;

  std::atomic<bool> stop_{false}, finished_{false};
  std::thread worker_;
};

}  // namespace vkvae::view
