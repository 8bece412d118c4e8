// What vkvae-train's commands on a trained model share: option checks, finding the checkpoint
// and the images, writing pictures, and a progress line on a terminal.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "data/idx.hpp"
#include "train/inference.hpp"

namespace vkvae::app {

struct CommandOptions {
  std::string checkpoint, data, out, images, labels, grid, latents, tensor = "mu", split = "test", augment_split = "train";
  std::string noise = "gaussian:0.3", mask = "center:14x14", z = "sample";
  // Each command's own field where defaults differ: CLI11 sets a bound value when an option is
  // declared, so a shared field would take the last command's default.
  int64_t k = 100, anomaly_k = 0, limit = 0, count = 0, from = 0, to = 1, steps = 10, nrow = 8, top = 0;
  int64_t show = 16, iterations = 50, augment_count = 0, per_class = 0;
  std::string digit, class_choice;  // a class by number or by name (see chosen_class)
  uint64_t seed = 0;
  bool json = false;
};

// A whole number from `min` to `max`, said in one short line ("--limit: must be a whole number,
// at least 1 (got 0)"); no description, so that help shows the value's name alone.
CLI::Validator whole(int64_t min, int64_t max = std::numeric_limits<int64_t>::max());

// The class given to `flag` (--class, --digit) for a conditional model: one of its class names
// (the image folders' names), else a number; -1 when none was given. Refused in one line for
// a model that is not conditional or has no such class.
int64_t chosen_class(const train::TrainOptions& model, const std::string& given, const char* flag);

// A checkpoint file, or a run directory standing for its best checkpoint (said on stderr).
std::string checkpoint_file(const std::string& given);
// Adds the positional CHECKPOINT|RUN_DIR argument to `command`.
void add_checkpoint_argument(CLI::App* command, CommandOptions& o);

void check_png_path(const std::string& out, const char* flag = "--out");
// Writes the PNG and says so on stdout, unless `quiet` (a command printing JSON there).
void write_picture(const std::string& out, const train::Picture& picture, bool quiet = false);

// The first `limit` images (all when 0) of `data`.
void keep_first(data::Dataset& data, int64_t limit);
// The `split` ("train" or "test") of --data DIR, or of the data the model was trained on.
data::Dataset data_split(const train::TrainedModel& model, const CommandOptions& o, const std::string& split);
// --images: an IDX file (with --labels, or without: labels 0 and `labeled` false) or an
// MNIST-layout directory (its test split).
data::Dataset images_argument(const train::TrainedModel& model, const CommandOptions& o, bool& labeled);

// "\rNAME: done/total UNIT" on stderr while it is a terminal, cleared by the destructor.
class TerminalProgress {
 public:
  explicit TerminalProgress(std::string name, std::string unit = "images");
  ~TerminalProgress();
  void operator()(int64_t done, int64_t total);

 private:
  std::string name_, unit_;
  bool tty_;
  bool drawn_ = false;
};

double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace vkvae::app
