#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace vkvae::app {
namespace {

using Clock = std::chrono::steady_clock;

std::string epoch_line(const nlohmann::json& r) {
  char line[256];
  std::snprintf(line, sizeof line, "epoch %lld: train_loss %.2f (recon %.2f, kl %.2f), test_loss %.2f (recon %.2f, kl %.2f), %.0f samples/s, %.1f s",
                r.at("epoch").get<long long>(), r.at("train_loss").get<double>(), r.at("train_recon").get<double>(),
                r.at("train_kl").get<double>(), r.at("test_loss").get<double>(), r.at("test_recon").get<double>(),
                r.at("test_kl").get<double>(), r.at("samples_per_s").get<double>(), r.at("seconds").get<double>());
  return line;
}

// Not a terminal (a log file, CI): a line per epoch, and a progress line at least every
// kEverySeconds, so that a long epoch is not a long silence.
class LineReporter : public train::Reporter {
 public:
  static constexpr double kEverySeconds = 30.0;
  explicit LineReporter(std::FILE* out) : out_(out) {}
  void note(const std::string& line) override { std::fprintf(out_, "%s\n", line.c_str()); }
  void epoch_started(int64_t epoch, int64_t epochs, int64_t, int64_t steps) override {
    epoch_ = epoch, epochs_ = epochs, steps_ = steps;
    last_ = Clock::now();
  }
  void progress(int64_t done, double recon, double kl, double samples_per_s) override {
    if (std::chrono::duration<double>(Clock::now() - last_).count() < kEverySeconds || done >= steps_) return;
    std::fprintf(out_, "epoch %lld/%lld: step %lld/%lld, loss %.2f (recon %.2f, kl %.2f), %.0f samples/s\n",
                 static_cast<long long>(epoch_), static_cast<long long>(epochs_), static_cast<long long>(done),
                 static_cast<long long>(steps_), recon + kl, recon, kl, samples_per_s);
    std::fflush(out_);
    last_ = Clock::now();
  }
  void epoch_ended(const nlohmann::json& record) override {
    std::fprintf(out_, "%s\n", epoch_line(record).c_str());
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  int64_t epoch_ = 0, epochs_ = 0, steps_ = 0;
  Clock::time_point last_;
};

class BarReporter : public train::Reporter {
 public:
  explicit BarReporter(std::FILE* out) : out_(out) {}
  ~BarReporter() override { clear(); }  // an error message starts on a clean line
  void note(const std::string& line) override {
    clear();
    std::fprintf(out_, "%s\n", line.c_str());
  }
  void epoch_started(int64_t epoch, int64_t epochs, int64_t done, int64_t steps) override {
    epoch_ = epoch, epochs_ = epochs, first_ = done, steps_ = steps;
    start_ = Clock::now();
    draw(done, std::nan(""), 0.0);
  }
  void progress(int64_t done, double recon, double kl, double samples_per_s) override { draw(done, recon + kl, samples_per_s); }
  void evaluating(int64_t done, int64_t total) override {
    std::fprintf(out_, "\r\033[Kepoch %lld/%lld: evaluating %s %lld/%lld test images", static_cast<long long>(epoch_),
                 static_cast<long long>(epochs_), progress_bar(done, total, 10).c_str(), static_cast<long long>(done),
                 static_cast<long long>(total));
    std::fflush(out_);
    drawn_ = true;
  }
  void epoch_ended(const nlohmann::json& record) override {
    clear();
    std::fprintf(out_, "%s\n", epoch_line(record).c_str());
    std::fflush(out_);
  }

 private:
  void clear() {
    if (drawn_) std::fprintf(out_, "\r\033[K");
    drawn_ = false;
  }
  void draw(int64_t done, double loss, double samples_per_s) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = elapsed > 0.0 ? static_cast<double>(done - first_) / elapsed : 0.0;
    const double eta = rate > 0.0 ? static_cast<double>(steps_ - done) / rate : 0.0;
    char loss_text[48] = "";
    if (!std::isnan(loss)) std::snprintf(loss_text, sizeof loss_text, ", loss=%.1f", loss);
    char text[256];
    std::snprintf(text, sizeof text, "epoch %lld/%lld %3d%%|%s| %lld/%lld [%s<%s, %.1f it/s, %.0f samples/s%s]",
                  static_cast<long long>(epoch_), static_cast<long long>(epochs_),
                  static_cast<int>(100 * done / std::max<int64_t>(steps_, 1)), progress_bar(done, steps_, 10).c_str(),
                  static_cast<long long>(done), static_cast<long long>(steps_), clock_time(elapsed).c_str(), clock_time(eta).c_str(), rate,
                  samples_per_s, loss_text);
    std::fprintf(out_, "\r\033[K%s", text);
    std::fflush(out_);
    drawn_ = true;
  }

  std::FILE* out_;
  int64_t epoch_ = 0, epochs_ = 0, first_ = 0, steps_ = 0;
  Clock::time_point start_;
  bool drawn_ = false;
};

}  // namespace

std::string clock_time(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(text, sizeof text, "%02lld:%02lld", s / 60, s % 60);
  return text;
}

std::string progress_bar(int64_t done, int64_t total, int width) {
  // Eighth blocks, as tqdm draws them.
  static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  const int64_t eighths = total > 0 ? std::clamp<int64_t>(done * width * 8 / total, 0, int64_t{width} * 8) : 0;
  std::string bar;
  for (int64_t i = 0; i < eighths / 8; ++i) bar += "█";
  int cells = static_cast<int>(eighths / 8);
  if (eighths % 8 != 0) {
    bar += kEighths[eighths % 8];
    ++cells;
  }
  bar.append(static_cast<std::size_t>(width - cells), ' ');
  return bar;
}

std::unique_ptr<train::Reporter> make_reporter(std::FILE* out) {
  if (isatty(fileno(out))) return std::make_unique<BarReporter>(out);
  return std::make_unique<LineReporter>(out);
}

}  // namespace vkvae::app
