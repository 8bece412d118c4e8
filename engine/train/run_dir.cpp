#include "train/run_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kLockName = ".vkvae-lock";
// The folders a run makes before anything else (run.cpp's create_run_dir, and draw()).
constexpr const char* kRunFolders[] = {"checkpoints", "samples", "recon", "manifold"};

std::string holder_of(const fs::path& lock) {
  std::ifstream in(lock);
  std::string pid;
  in >> pid;
  return pid.empty() ? "another process" : "pid " + pid;
}

[[noreturn]] void held(const fs::path& dir, const std::string& flag) {
  throw UsageError(flag + " " + dir.string() + ": in use by another vkvae run (" + holder_of(dir / kLockName) +
                   "); wait for it to end, or choose another directory");
}

// Nothing of a run's value: the lock, config.json, an empty folder of a run's, a dead writer's
// temporary file.
bool of_no_value(const fs::directory_entry& entry, bool top) {
  const std::string name = entry.path().filename().string();
  if (is_dead_writers_file(entry.path())) return true;
  if (!top) return false;
  if (name == kLockName || name == "config.json") return true;
  for (const char* folder : kRunFolders) {
    if (name != folder) continue;
    std::error_code error;
    if (!entry.is_directory(error)) return false;
    for (const auto& inner : fs::directory_iterator(entry.path(), error)) {
      if (!of_no_value(inner, false)) return false;
    }
    return true;
  }
  return false;
}

void append_line(const fs::path& path, bool& ends_mid_line, const std::string& line) {
  // A line cut by a crash of an earlier writer is ended first, so that this record stays whole.
  const std::string text = (ends_mid_line ? "\n" : "") + line + "\n";
  append_file_durably(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
  ends_mid_line = false;
}

bool ends_mid_line(const std::string& text) { return !text.empty() && text.back() != '\n'; }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split(const std::string& line, char by) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, by);) out.push_back(field);
  return out;
}

std::pair<int64_t, int64_t> key_of(const json& record) { return {record.at("epoch").get<int64_t>(), record.at("step").get<int64_t>()}; }

}  // namespace

RunLock::RunLock(const fs::path& dir, const std::string& flag) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw UsageError(flag + " " + dir.string() + ": cannot create it (" + error.message() + "); choose a writable path");
  const fs::path lock = dir / kLockName;
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw UsageError(flag + " " + dir.string() + ": cannot create its lock file (" + std::strerror(errno) + "); choose a writable directory");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    held(dir, flag);
  }
  // For the message of whoever comes next while this run holds the directory.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid only serves messages; a run may go on without it.
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

void RunLock::check_free(const fs::path& dir, const std::string& flag) {
  const int fd = ::open((dir / kLockName).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // never locked
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  if (!free) held(dir, flag);
}

bool stopped_before_first_checkpoint(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error) || fs::is_empty(dir, error)) return false;
  bool config = false;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (!of_no_value(entry, true)) return false;
    config = config || entry.path().filename() == "config.json";
  }
  return config;
}

bool check_new_run_dir(const fs::path& dir) {
  std::error_code error;
  if (!fs::exists(dir, error)) return false;
  if (!fs::is_directory(dir, error)) throw UsageError("--out " + dir.string() + ": exists and is not a directory; choose another path");
  bool any = false;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (!of_no_value(entry, true)) {
      throw UsageError("--out " + dir.string() + ": not empty; choose a new directory, or continue that run with --resume " + dir.string());
    }
    any = any || entry.path().filename() == "config.json";
  }
  return any;
}

void sweep_dead_writers(const fs::path& dir) {
  remove_dead_writers_files(dir);
  for (const char* folder : kRunFolders) remove_dead_writers_files(dir / folder);
}

void write_config(const fs::path& dir, const json& config) {
  const fs::path path = dir / "config.json";
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    const json on_disk = json::parse(read_text(path), nullptr, /*allow_exceptions=*/false);
    if (on_disk == config) return;
  }
  const std::string text = config.dump(2) + "\n";
  write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

const std::vector<std::string>& MetricsLog::columns() {
  static const std::vector<std::string> names = {
      "epoch",     "step",      "partial",   "train_loss",      "train_recon",    "train_kl", "test_loss",     "test_recon",
      "test_kl",   "kl_weight", "train_objective", "test_objective", "lr",       "samples_per_s", "seconds"};
  return names;
}

MetricsLog::MetricsLog(fs::path dir) {
  jsonl_.path = dir / "metrics.jsonl";
  csv_.path = dir / "metrics.csv";
  read_jsonl();
  read_csv();
}

void MetricsLog::read_jsonl() {
  const std::string text = read_text(jsonl_.path);
  jsonl_.ends_mid_line = ends_mid_line(text);
  for (const std::string& line : split(text, '\n')) {
    const json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_object() && record.contains("epoch") && record.contains("step")) {
      try {
        jsonl_.keys.insert(key_of(record));
      } catch (const json::exception&) {
        // A damaged line names no record; it is kept as it is.
      }
    }
  }
}

void MetricsLog::read_csv() {
  const std::string text = read_text(csv_.path);
  csv_.ends_mid_line = ends_mid_line(text);
  const std::vector<std::string> lines = split(text, '\n');
  if (lines.empty()) return;
  csv_columns_ = split(lines[0], ',');
  const auto at = [&](const char* name) { return std::find(csv_columns_.begin(), csv_columns_.end(), name) - csv_columns_.begin(); };
  const auto epoch = static_cast<std::size_t>(at("epoch")), step = static_cast<std::size_t>(at("step"));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> fields = split(lines[i], ',');
    if (epoch >= fields.size() || step >= fields.size()) continue;
    try {
      csv_.keys.insert({std::stoll(fields[epoch]), std::stoll(fields[step])});
    } catch (const std::exception&) {
      // As for a damaged JSON line.
    }
  }
}

void MetricsLog::add(File& file, const std::string& line, const json& record) {
  const auto key = key_of(record);
  if (file.keys.count(key)) return;
  append_line(file.path, file.ends_mid_line, line);
  file.keys.insert(key);
}

void MetricsLog::append(const json& record) {
  add(jsonl_, record.dump(), record);
  if (csv_columns_.empty()) {
    csv_columns_ = columns();
    std::string header;
    for (std::size_t i = 0; i < csv_columns_.size(); ++i) header += (i ? "," : "") + csv_columns_[i];
    append_line(csv_.path, csv_.ends_mid_line, header);
  }
  std::string row;
  for (std::size_t i = 0; i < csv_columns_.size(); ++i) {
    const auto it = record.find(csv_columns_[i]);
    row += (i ? "," : "") + (it == record.end() || it->is_null() ? std::string() : it->dump());
  }
  add(csv_, row, record);
}

void MetricsLog::restore(const std::vector<json>& history) {
  for (const json& record : history) append(record);
}

const std::vector<std::string>& StepLog::columns() {
  static const std::vector<std::string> names = {"step", "epoch", "loss", "recon", "kl", "lr", "kl_weight", "samples_per_s"};
  return names;
}

StepLog::StepLog(fs::path dir) : path_(dir / "metrics_steps.csv") {
  const std::string text = read_text(path_);
  ends_mid_line_ = ends_mid_line(text);
  const std::vector<std::string> lines = split(text, '\n');
  has_header_ = !lines.empty();
  for (std::size_t i = 1; i < lines.size(); ++i) {
    try {
      last_step_ = std::max<int64_t>(last_step_, std::stoll(lines[i].substr(0, lines[i].find(','))));
    } catch (const std::exception&) {
      // A line cut by a crash names no step.
    }
  }
}

void StepLog::append(const json& row) {
  const int64_t step = row.at("step").get<int64_t>();
  if (step <= last_step_) return;
  if (!has_header_) {
    std::string header;
    for (std::size_t i = 0; i < columns().size(); ++i) header += (i ? "," : "") + columns()[i];
    append_line(path_, ends_mid_line_, header);
    has_header_ = true;
  }
  std::string line;
  for (std::size_t i = 0; i < columns().size(); ++i) line += (i ? "," : "") + row.at(columns()[i]).dump();
  append_line(path_, ends_mid_line_, line);
  last_step_ = step;
}

void log_change(const fs::path& dir, const json& change) {
  bool mid_line = ends_mid_line(read_text(dir / "changes.jsonl"));
  append_line(dir / "changes.jsonl", mid_line, change.dump());
}

}  // namespace vkvae::train
