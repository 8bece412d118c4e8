// A training run from start to finish: data loaded and checked, the run directory prepared,
// epochs of training steps with progress reports, an evaluation, pictures, a metrics record and
// checkpoints at the end of each epoch, and a resumable checkpoint when asked to stop.
//
// RUN_DIR/config.json                   the resolved options
// RUN_DIR/metrics.jsonl, metrics.csv    one record per epoch (and one at --max-steps)
// RUN_DIR/metrics_steps.csv             with --log-every N: a row every N steps
// RUN_DIR/checkpoints/last.safetensors  every epoch, every --checkpoint-every steps, on stop
// RUN_DIR/checkpoints/best.safetensors  the lowest test loss so far
// RUN_DIR/samples/epoch_NNN.png         8×8 samples from fixed prior noise
// RUN_DIR/recon/epoch_NNN.png           test images above their reconstructions
// RUN_DIR/manifold/epoch_NNN.png        a 2-D latent space, decoded (latent 2 only)
#pragma once

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "train/options.hpp"
#include "train/peers.hpp"
#include "train/session.hpp"
#include "vk/context.hpp"

namespace vkvae::train {

// What the person watching is told; the app draws it (a progress bar, or a line per epoch).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void note(const std::string& line) = 0;
  // An epoch (1-based) starts with `done` of its `steps` already taken (a resumed run); `steps`
  // is what this run will take of it (fewer than an epoch's where --max-steps ends it).
  virtual void epoch_started(int64_t epoch, int64_t epochs, int64_t done, int64_t steps) = 0;
  // `done` of the epoch's steps are taken; the mean reconstruction and KL terms per example
  // over them so far.
  virtual void progress(int64_t done, double recon, double kl, double samples_per_s) = 0;
  virtual void epoch_ended(const nlohmann::json& record) = 0;
  // The epoch's evaluation has `done` of the test set's `total` images behind it (after each of
  // its bounded submits); a front end may show it, or not.
  virtual void evaluating(int64_t done, int64_t total) {
    (void)done;
    (void)total;
  }
};

// What a live front end (vkvae-view) may ask between chunks of steps.
struct Between {
  bool checkpoint = false;        // write checkpoints/last.safetensors now
  std::optional<double> lr, beta;  // from now on (recorded in later checkpoints' options)
};

// Called on the training thread between chunks of steps, while the device is idle for the run:
// the place to copy weights for drawing, to pause (by not returning), or to change course.
class RunControl {
 public:
  virtual ~RunControl() = default;
  virtual Between between_chunks(Session& session) = 0;
};

struct RunRequest {
  TrainOptions options;
  std::filesystem::path out;     // a new run directory (created; must be empty if it exists)
  std::filesystem::path resume;  // or a run directory to continue
  // On --resume, these replace the checkpoint's (the rest of the options are the run's own).
  std::optional<int64_t> epochs, max_steps, checkpoint_every, log_every;
  std::optional<std::filesystem::path> data;
  bool profile = false;  // report a profile of the step before training (the run is unchanged)
  double report_seconds = 0.5;    // a progress report (and a chance to stop) about this often
  RunControl* control = nullptr;  // asked between chunks (see RunControl)
  // Data-parallel training: a replica on each of these besides the run's own context (they
  // must outlive the run); options.shards, when 0, becomes one a device.
  std::vector<vk::Context*> more_devices;
  // One rank of several (mpirun): this one is rank 0, which leads; the others run
  // follow_training. Every rank has as many replicas.
  Peers* peers = nullptr;
  // How a replica's gradients leave for the others (train/gradient_buckets.hpp); rank 0's for
  // every rank.
  uint64_t bucket_bytes = kDefaultBucketBytes;
};

struct RunResult {
  std::filesystem::path dir;
  int64_t epochs_done = 0, step = 0;
  bool interrupted = false;
  std::optional<double> test_loss;
};

// The options a request trains with: its own, or (resuming) its checkpoint's with the
// request's overrides. Throws naming the run directory or checkpoint when they are unusable.
TrainOptions run_options(const RunRequest& request);

// The checks a run makes before any work, for a front end to make before it opens a window:
// the data files are there, a new run's --out is empty, a resumed run has its checkpoint.
// Throws what run_training would.
void check_run_request(const RunRequest& request);

// Trains as `request` says until the epochs or --max-steps are done, or `stop` becomes true
// (then a checkpoint is written and the result says interrupted). Throws vkvae::Error for bad
// input (naming the file or flag) and for a non-finite loss (after keeping the last good
// checkpoint).
RunResult run_training(vk::Context& context, const RunRequest& request, Reporter& reporter, const std::atomic<bool>& stop);

// A rank other than 0 of a run over several ranks: takes the run's options from rank 0, loads the
// same training data, and trains its shards of every step as rank 0 leads, writing nothing,
// until rank 0's run ends. `more_devices`: as many as rank 0 has.
void follow_training(vk::Context& context, Peers& peers, std::span<vk::Context* const> more_devices = {});

}  // namespace vkvae::train
