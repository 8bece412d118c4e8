#include "explorer.hpp"

#include <imgui.h>

#include <cstdio>

#include "ops/random.hpp"

namespace vkvae::view {

Explorer::Explorer(ModelSource& model, std::string source, std::string device)
    : model_(model), source_(std::move(source)), device_(std::move(device)), z_(static_cast<std::size_t>(model.options().latent), 0.0f) {}

void Explorer::decode_samples() {
  const int64_t count = int64_t{side_} * side_;
  samples_ = &model_.decoder(count, static_cast<uint32_t>(side_));
  const auto latent = static_cast<std::size_t>(model_.options().latent);
  std::vector<float> z(static_cast<std::size_t>(count) * latent);
  const ops::RngState key = ops::RngState::from(seed_, 0);
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = ops::standard_normal(key, ops::RngStream::prior, static_cast<uint32_t>(i));
  std::vector<int> digits;
  for (int64_t i = 0; i < count; ++i) digits.push_back(digit_ >= 0 ? digit_ : static_cast<int>((i / side_) % 10));
  const std::lock_guard lock(model_.weights_mutex());
  samples_->decode(z, digits);
  samples_version_ = model_.weights_version();
  samples_dirty_ = false;
}

void Explorer::decode_latent() {
  single_ = &model_.decoder(1, 1);
  const std::lock_guard lock(model_.weights_mutex());
  single_->decode(z_, {latent_digit_});
  latent_version_ = model_.weights_version();
  latent_dirty_ = false;
}

void Explorer::ui(PictureRenderer& pictures) {
  const bool conditional = models::is_conditional(model_.options().model);
  ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(560, 660), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Samples")) {
    if (ImGui::Button("Reseed")) ++seed_, samples_dirty_ = true;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(120);
    if (ImGui::SliderInt("per side", &side_, 2, 16)) samples_dirty_ = true;
    if (conditional) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(140);
      const char* names[] = {"a row per digit", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
      int choice = digit_ + 1;
      if (ImGui::Combo("digit", &choice, names, 11)) digit_ = choice - 1, samples_dirty_ = true;
    }
    ImGui::Text("seed %llu: prior noise decoded on %s", static_cast<unsigned long long>(seed_), device_.c_str());
    if (samples_dirty_ || samples_version_ != model_.weights_version()) decode_samples();
    const ops::GridSize size = samples_->size();
    const float width = ImGui::GetContentRegionAvail().x;
    const float height = width * static_cast<float>(size.height) / static_cast<float>(size.width);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    samples_rect_[0] = at.x, samples_rect_[1] = at.y, samples_rect_[2] = width, samples_rect_[3] = height;
    pictures.image(samples_->grid(), size, ImVec2(width, height));
  }
  ImGui::End();

  ImGui::SetNextWindowPos(ImVec2(580, 10), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(340, 660), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Latent")) {
    if (ImGui::Button("Random z")) {
      const ops::RngState key = ops::RngState::from(seed_, ++random_draws_);
      for (std::size_t j = 0; j < z_.size(); ++j) z_[j] = ops::standard_normal(key, ops::RngStream::prior, static_cast<uint32_t>(j));
      latent_dirty_ = true;
    }
    ImGui::SameLine();
    if (ImGui::Button("Zero")) std::fill(z_.begin(), z_.end(), 0.0f), latent_dirty_ = true;
    if (conditional) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(100);
      if (ImGui::SliderInt("digit##latent", &latent_digit_, 0, 9)) latent_dirty_ = true;
    }
    if (latent_dirty_ || latent_version_ != model_.weights_version()) decode_latent();
    pictures.image(single_->grid(), single_->size(), ImVec2(224, 224));
    for (std::size_t j = 0; j < z_.size(); ++j) {
      char label[32];
      std::snprintf(label, sizeof label, "z%zu", j);
      if (ImGui::SliderFloat(label, &z_[j], -3.0f, 3.0f, "%.2f")) latent_dirty_ = true;
    }
  }
  ImGui::End();

  ImGui::SetNextWindowPos(ImVec2(930, 10), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(330, 150), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Model")) {
    const train::TrainOptions& o = model_.options();
    ImGui::TextWrapped("%s", source_.c_str());
    ImGui::Text("%s: latent %lld, hidden %lld, step %lld", std::string(models::model_name(o.model)).c_str(), static_cast<long long>(o.latent),
                static_cast<long long>(o.hidden), static_cast<long long>(model_.step()));
    ImGui::TextWrapped("device: %s", device_.c_str());
    ImGui::Text("%.0f frames/s", static_cast<double>(ImGui::GetIO().Framerate));
  }
  ImGui::End();
}

}  // namespace vkvae::view
