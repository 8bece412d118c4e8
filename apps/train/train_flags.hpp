// The training options of the command line, shared by vkvae-train and vkvae-view --train:
// the flags, and the run request they make.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "train/run.hpp"

namespace vkvae::app {

struct TrainFlags {
  std::string config;
  std::string out, resume;
  std::optional<int64_t> seed;
  bool profile = false;
  double bucket_mib = static_cast<double>(train::kDefaultBucketBytes) / (1 << 20);
  train::GivenOptions given;
};

// The help section of the training options.
inline constexpr const char* kTrainingGroup = "Training (a new run, or --resume)";

// Adds --model … --config, --out, --resume and --profile to `app`, in kTrainingGroup.
void add_training_options(CLI::App& app, TrainFlags& flags);
// The run the flags ask for: a new run (its options resolved: --config, then flags, over the
// recipe; --out defaulting to runs/<model>-<date>-<time>) or a resumed one. Throws UsageError.
train::RunRequest make_request(const TrainFlags& flags);

}  // namespace vkvae::app
