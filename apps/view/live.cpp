#include "live.hpp"

#include <imgui.h>

#include <cfloat>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "plot.hpp"
#include "util/error.hpp"

namespace vkvae::view {
namespace {

// The value as the field shows it (%.2e, %.3f), which is what the person read and typed.
double as_shown_lr(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2e", value);
  return std::strtod(text, nullptr);
}

double as_shown_beta(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return std::strtod(text, nullptr);
}

}  // namespace
namespace {

// Weights are copied for drawing at most this often (seconds of the run's clock).
constexpr double kCopySeconds = 0.15;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

LiveTraining::LiveTraining(vk::Context& context, train::RunRequest request)
    : ModelSource(context, train::run_options(request)), request_(std::move(request)) {
  train::check_run_request(request_);  // bad input ends here, before a window opens
  lr_input_ = options().lr;
  beta_input_ = options().beta;
  request_.report_seconds = 0.1;
  request_.control = this;
  worker_ = std::thread([this] {
    try {
      const train::RunResult r = train::run_training(context_, request_, *this, stop_);
      const std::lock_guard lock(status_mutex_);
      outcome_ = (r.interrupted ? "stopped at step " : "finished at step ") + std::to_string(r.step) + "; run directory " + r.dir.string();
    } catch (const std::exception& e) {
      const std::lock_guard lock(status_mutex_);
      outcome_ = e.what();
      failed_ = true;
    }
    finished_ = true;
  });
}

LiveTraining::~LiveTraining() { stop(); }

void LiveTraining::stop() {
  {
    const std::lock_guard lock(status_mutex_);
    stop_ = true;
    paused_ = false;
  }
  resume_.notify_all();
  if (worker_.joinable()) worker_.join();
}

std::string LiveTraining::outcome() const {
  const std::lock_guard lock(status_mutex_);
  return outcome_;
}

bool LiveTraining::failed() const {
  const std::lock_guard lock(status_mutex_);
  return failed_;
}

void LiveTraining::note(const std::string& line) {
  if (line.rfind("device: ", 0) == 0) return;  // the Model panel names the device
  const std::lock_guard lock(status_mutex_);
  notes_.push_back(line);
}

void LiveTraining::epoch_started(int64_t epoch, int64_t epochs, int64_t done, int64_t steps) {
  const std::lock_guard lock(status_mutex_);
  epoch_ = epoch, epochs_ = epochs, epoch_done_ = done, epoch_steps_ = steps;
}

void LiveTraining::progress(int64_t done, double recon, double kl, double samples_per_s) {
  const std::lock_guard lock(status_mutex_);
  step_ += done - epoch_done_;
  epoch_done_ = done;
  samples_per_s_ = samples_per_s;
  running_steps_.push_back(static_cast<float>(step_.load()));
  running_loss_.push_back(static_cast<float>(recon + kl));
  running_recon_.push_back(static_cast<float>(recon));
  running_kl_.push_back(static_cast<float>(kl));
}

void LiveTraining::epoch_ended(const nlohmann::json& record) {
  const std::lock_guard lock(status_mutex_);
  step_ = record.at("step").get<int64_t>();
  epoch_steps_at_.push_back(static_cast<float>(step_.load()));
  train_loss_.push_back(record.at("train_loss").get<float>());
  test_loss_.push_back(record.at("test_loss").get<float>());
  test_recon_.push_back(record.at("test_recon").get<float>());
  test_kl_.push_back(record.at("test_kl").get<float>());
}

train::Between LiveTraining::between_chunks(train::Session& session) {
  // A consistent copy of the weights for the decoders: the run is between steps.
  if (now_seconds() - last_copy_ >= kCopySeconds) {
    copy_all(session.program(), session.graph());
    last_copy_ = now_seconds();
  }
  std::unique_lock lock(status_mutex_);
  resume_.wait(lock, [this] { return !paused_ || stop_.load(); });
  train::Between b;
  b.checkpoint = std::exchange(save_now_, false);
  b.lr = std::exchange(new_lr_, std::nullopt);
  b.beta = std::exchange(new_beta_, std::nullopt);
  return b;
}

void LiveTraining::dashboard_ui(const Layout& layout) {
  layout.place(Panel::training);
  if (!ImGui::Begin("Training")) {
    ImGui::End();
    return;
  }
  std::unique_lock lock(status_mutex_);
  ImGui::Text("epoch %lld/%lld, step %lld of %lld in it", static_cast<long long>(epoch_), static_cast<long long>(epochs_),
              static_cast<long long>(epoch_done_), static_cast<long long>(epoch_steps_));
  ImGui::Text("step %lld in all, %.0f samples/s", static_cast<long long>(step_.load()), samples_per_s_);
  ImGui::ProgressBar(epoch_steps_ > 0 ? static_cast<float>(epoch_done_) / static_cast<float>(epoch_steps_) : 0.0f);
  if (!finished_) {
    if (ImGui::Button(paused_ ? "Resume" : "Pause")) {
      paused_ = !paused_;
      resume_.notify_all();
    }
    ImGui::SameLine();
    if (ImGui::Button("Save checkpoint now")) save_now_ = true;
    ImGui::SetNextItemWidth(120);
    ImGui::InputDouble("learning rate", &lr_input_, 0.0, 0.0, "%.2e");
    ImGui::SameLine();
    if (ImGui::Button("Set##lr") && lr_input_ > 0.0) new_lr_ = as_shown_lr(lr_input_);
    ImGui::SetNextItemWidth(120);
    ImGui::InputDouble("β (KL weight)", &beta_input_, 0.0, 0.0, "%.3f");
    ImGui::SameLine();
    if (ImGui::Button("Set##beta") && beta_input_ >= 0.0) new_beta_ = as_shown_beta(beta_input_);
  } else {
    ImGui::TextWrapped("%s%s", failed_ ? "failed: " : "", outcome_.c_str());
  }
  constexpr ImU32 kLoss = IM_COL32(120, 180, 255, 255), kTest = IM_COL32(255, 170, 80, 255);
  constexpr ImU32 kRecon = IM_COL32(140, 220, 140, 255), kKl = IM_COL32(230, 120, 200, 255);
  const float height = 84.0f;
  if (!running_loss_.empty()) {
    plot("##running", "train loss this epoch so far (nats per example)", running_steps_, {{"loss", &running_loss_, kLoss}}, height, "step");
    plot("##running_terms", "its terms:", running_steps_, {{"recon", &running_recon_, kRecon}, {"KL", &running_kl_, kKl}}, height, "step");
  }
  if (!test_loss_.empty()) {
    plot("##epochs", "loss at each epoch's end:", epoch_steps_at_, {{"train", &train_loss_, kLoss}, {"test", &test_loss_, kTest}}, height,
         "step");
    plot("##test_recon", "test recon by epoch (nats)", epoch_steps_at_, {{"recon", &test_recon_, kRecon}}, height, "step");
    plot("##test_kl", "test KL by epoch (nats)", epoch_steps_at_, {{"KL", &test_kl_, kKl}}, height, "step");
  }
  for (auto it = notes_.size() > 4 ? notes_.end() - 4 : notes_.begin(); it != notes_.end(); ++it) ImGui::TextWrapped("%s", it->c_str());
  ImGui::End();
}

}  // namespace vkvae::view
