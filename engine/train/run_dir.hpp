// A run directory's rules: one process at a time works in it (a lock held for the run's life);
// a new run takes only a directory that holds nothing of value; the temporary files of writers
// that died are swept; and the record files only ever gain records.
//
// RUN_DIR/.vkvae-lock    the lock (flock), with the holder's pid in it for messages
// RUN_DIR/config.json    the options in force (rewritten when they change, e.g. a live lr)
// RUN_DIR/metrics.jsonl, metrics.csv    a record per epoch, appended
// RUN_DIR/changes.jsonl  changes of course made while training (the viewer's lr or β), appended
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vkvae::train {

// An exclusive lock on a run directory, released when the object goes (or the process dies,
// however it dies: flock locks are the kernel's).
class RunLock {
 public:
  // Takes the lock of `dir` (created if missing). Throws UsageError naming `flag`, the directory
  // and the holder's pid when another process holds it.
  RunLock(const std::filesystem::path& dir, const std::string& flag);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // Throws as the constructor would when another process holds `dir`'s lock; takes nothing.
  static void check_free(const std::filesystem::path& dir, const std::string& flag);

 private:
  int fd_ = -1;
};

// Whether `dir` can take a new run (--out): it is missing, empty, or holds only what a run leaves
// before its first checkpoint (config.json and empty folders: nothing to resume, nothing of value).
// Returns true in that last case. Throws UsageError saying what to do otherwise.
bool check_new_run_dir(const std::filesystem::path& dir);

// `dir` holds a run that stopped before it wrote its first checkpoint (see check_new_run_dir).
bool stopped_before_first_checkpoint(const std::filesystem::path& dir);

// Removes the temporary files of dead writers from `dir` and its folders.
void sweep_dead_writers(const std::filesystem::path& dir);

// Writes `dir`/config.json when it does not already hold `config`.
void write_config(const std::filesystem::path& dir, const nlohmann::json& config);

// metrics.jsonl and metrics.csv, appended to. A record is known by its (epoch, step): one that a
// file holds already (an epoch redone after a kill between the metrics and the checkpoint) is not
// written twice. A CSV that exists keeps its own columns.
class MetricsLog {
 public:
  static const std::vector<std::string>& columns();

  explicit MetricsLog(std::filesystem::path dir);
  void append(const nlohmann::json& record);
  // Appends the records of `history` that a file lacks (a file lost or cut short).
  void restore(const std::vector<nlohmann::json>& history);

 private:
  struct File {
    std::filesystem::path path;
    std::set<std::pair<int64_t, int64_t>> keys;
    bool ends_mid_line = false;
  };
  void read_jsonl();
  void read_csv();
  void add(File& file, const std::string& line, const nlohmann::json& record);

  File jsonl_, csv_;
  std::vector<std::string> csv_columns_;
};

// metrics_steps.csv (--log-every), appended to: step, epoch, loss, recon, kl, lr, kl_weight,
// samples_per_s. A step the file holds already (redone after a kill) is not written again.
class StepLog {
 public:
  static const std::vector<std::string>& columns();
  explicit StepLog(std::filesystem::path dir);
  void append(const nlohmann::json& row);

 private:
  std::filesystem::path path_;
  int64_t last_step_ = -1;
  bool ends_mid_line_ = false, has_header_ = false;
};

// Appends one change made while training to `dir`/changes.jsonl.
void log_change(const std::filesystem::path& dir, const nlohmann::json& change);

}  // namespace vkvae::train
