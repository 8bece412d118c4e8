#include "workbench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

#include "train/applications.hpp"
#include "train/corruption.hpp"

namespace vkvae::view {
namespace {

// Rounds of the inpainting chain for erased pixels: enough for the fill to settle.
constexpr int kInpaintRounds = 20;
// While a stroke goes on, the model follows it at most this often (seconds).
constexpr double kStrokeRefresh = 0.1;

double now_seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// ImGui pixels per image pixel when the longer side of `shape` takes `side`.
float cell_of(const models::ImageShape& shape, float side) { return side / static_cast<float>(std::max(shape.height, shape.width)); }

// An image of `shape` (channels first, grey or RGB), its longer side `side` ImGui pixels, at the
// cursor, as rectangles; `hidden` pixels (one value per pixel) dark red.
void draw_image(std::span<const float> image, const models::ImageShape& shape, float side, std::span<const uint8_t> hidden = {}) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float cell = cell_of(shape, side);
  const auto w = static_cast<std::size_t>(shape.width), plane = static_cast<std::size_t>(shape.height * shape.width);
  const ImVec2 size(cell * static_cast<float>(shape.width), cell * static_cast<float>(shape.height));
  draw->AddRectFilled(at, ImVec2(at.x + size.x, at.y + size.y), IM_COL32(0, 0, 0, 255));
  const auto byte = [](float v) { return static_cast<int>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  for (std::size_t p = 0; p < plane && p + (shape.channels - 1) * plane < image.size(); ++p) {
    const float x = at.x + cell * static_cast<float>(p % w), y = at.y + cell * static_cast<float>(p / w);
    const int r = byte(image[p]), g = shape.channels == 3 ? byte(image[plane + p]) : r, b = shape.channels == 3 ? byte(image[2 * plane + p]) : r;
    const ImU32 colour = !hidden.empty() && hidden[p] ? IM_COL32(128, 32, 32, 255) : IM_COL32(r, g, b, 255);
    if (colour != IM_COL32(0, 0, 0, 255)) draw->AddRectFilled(ImVec2(x, y), ImVec2(x + cell, y + cell), colour);
  }
  ImGui::Dummy(size);
}

// Images side by side, each `side` wide, with a caption under each.
void draw_row(const std::vector<std::pair<std::span<const float>, const char*>>& images, const models::ImageShape& shape, float side,
              float* rect_of_second = nullptr) {
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    ImGui::BeginGroup();
    if (i == 1 && rect_of_second) {
      const ImVec2 at = ImGui::GetCursorScreenPos();
      rect_of_second[0] = at.x, rect_of_second[1] = at.y, rect_of_second[2] = side, rect_of_second[3] = side;
    }
    draw_image(images[i].first, shape, side);
    ImGui::TextUnformatted(images[i].second);
    ImGui::EndGroup();
  }
}

}  // namespace

Workbench::Workbench(ModelSource& model)
    : model_(model),
      shape_(model.options().image),
      plane_(static_cast<std::size_t>(shape_.height * shape_.width)),
      pad_(static_cast<std::size_t>(shape_.size()), 0.0f),
      erased_(plane_, 0) {
  // The pad starts with the first test image, so that it shows the model at work at once.
  if (model_.test_data()) load_test_image(0);
}

train::BatchPass::Output Workbench::run(std::span<const float> image, int label) {
  train::BatchPass& pass = model_.pass(1);
  const auto digit = static_cast<uint8_t>(label);
  const bool conditional = model_.options().conditional();
  const std::lock_guard lock(model_.weights_mutex());
  return pass.run(image, conditional ? std::span<const uint8_t>(&digit, 1) : std::span<const uint8_t>(),
                  train::BatchPass::kMean | train::BatchPass::kLatents | train::BatchPass::kScore);
}

void Workbench::load_test_image(int index) {
  const data::Dataset* data = model_.test_data();
  if (!data || data->size() == 0) return;
  test_index_ = std::clamp(index, 0, static_cast<int>(data->size()) - 1);
  const auto first = static_cast<std::size_t>(test_index_) * pad_.size();
  for (std::size_t p = 0; p < pad_.size(); ++p) pad_[p] = static_cast<float>(data->images.pixels[first + p]) / 255.0f;
  std::fill(erased_.begin(), erased_.end(), 0);
  pad_label_ = data->labeled() ? data->labels[static_cast<std::size_t>(test_index_)] : 0;
  loaded_ = true;
  pad_dirty_ = true;
}

void Workbench::paint(ImVec2 to, bool erase) {
  // Along the stroke in half-pixel steps, an antialiased disc of radius brush_ at each.
  const float dx = to.x - last_.x, dy = to.y - last_.y;
  const int steps = std::max(1, static_cast<int>(std::ceil(2.0f * std::sqrt(dx * dx + dy * dy))));
  for (int s = 1; s <= steps; ++s) {
    const float cx = last_.x + dx * static_cast<float>(s) / static_cast<float>(steps);
    const float cy = last_.y + dy * static_cast<float>(s) / static_cast<float>(steps);
    const int h = static_cast<int>(shape_.height), w = static_cast<int>(shape_.width);
    for (int y = std::max(0, static_cast<int>(cy - brush_ - 1)); y <= std::min(h - 1, static_cast<int>(cy + brush_ + 1)); ++y) {
      for (int x = std::max(0, static_cast<int>(cx - brush_ - 1)); x <= std::min(w - 1, static_cast<int>(cx + brush_ + 1)); ++x) {
        const float d = std::hypot(static_cast<float>(x) + 0.5f - cx, static_cast<float>(y) + 0.5f - cy);
        const float strength = std::clamp(brush_ + 0.5f - d, 0.0f, 1.0f);
        if (strength <= 0.0f) continue;
        // White ink: every channel of the pixel.
        const auto p = static_cast<std::size_t>(y * w + x);
        for (std::size_t c = 0; c < static_cast<std::size_t>(shape_.channels); ++c) {
          float& v = pad_[c * plane_ + p];
          v = erase ? v * (1.0f - strength) : std::max(v, strength);
        }
        if (erase && loaded_ && strength >= 0.5f) erased_[p] = 1;
      }
    }
  }
  last_ = to;
  pad_dirty_ = true;
}

void Workbench::encode_pad() {
  const train::BatchPass::Output out = run(pad_, pad_label_);
  pad_recon_ = out.mean;
  pad_mu_ = out.mu;
  pad_recon_term_ = out.recon.at(0);
  pad_kl_ = out.kl.at(0);
  pad_score_ = pad_recon_term_ + pad_kl_;
  pad_filled_.clear();
  if (std::find(erased_.begin(), erased_.end(), 1) != erased_.end()) {
    // The erased pixels start as the eraser left them; each round puts the known ones back.
    pad_filled_ = pad_;
    std::vector<float> mean = out.mean;
    for (int round = 0; round < kInpaintRounds; ++round) {
      for (std::size_t i = 0; i < pad_filled_.size(); ++i) {
        if (erased_[i % plane_]) pad_filled_[i] = mean[i];
      }
      if (round + 1 < kInpaintRounds) mean = run(pad_filled_, pad_label_).mean;
    }
  }
  pad_version_ = model_.weights_version();
  pad_run_at_ = now_seconds();
  pad_dirty_ = false;
}

void Workbench::pad_ui() {
  const bool conditional = model_.options().conditional();
  ImGui::RadioButton("brush", &tool_, 0);
  ImGui::SameLine();
  ImGui::RadioButton("eraser", &tool_, 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(80);
  ImGui::SliderFloat("##size", &brush_, 0.5f, 3.0f, "size %.1f");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The brush's radius, in pixels of the pad");
  if (ImGui::Button("Clear")) {
    std::fill(pad_.begin(), pad_.end(), 0.0f);
    std::fill(erased_.begin(), erased_.end(), 0);
    loaded_ = false;
    pad_dirty_ = true;
  }
  if (const data::Dataset* data = model_.test_data()) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    int index = test_index_;
    const bool moved = ImGui::SliderInt("##test image", &index, 0, static_cast<int>(data->size()) - 1, "test image %d");
    ImGui::SameLine();
    const bool again = ImGui::Button("Reload");
    if (moved || again) load_test_image(index);
  }
  if (conditional) {
    ImGui::SetNextItemWidth(100);
    if (ImGui::SliderInt("class", &pad_label_, 0, static_cast<int>(model_.options().classes) - 1)) pad_dirty_ = true;
  }

  const ImVec2 room = ImGui::GetContentRegionAvail();
  const float side = std::max(56.0f, std::min((room.x - 2.0f * ImGui::GetStyle().ItemSpacing.x) / 3.0f, room.y - 3.0f * ImGui::GetTextLineHeightWithSpacing()));
  // The pad: press and drag to paint; erased pixels of a test image are shown dark red.
  ImGui::BeginGroup();
  const ImVec2 at = ImGui::GetCursorScreenPos();
  draw_image(pad_, shape_, side, erased_);
  ImGui::SetCursorScreenPos(at);
  const float cell = cell_of(shape_, side);
  ImGui::InvisibleButton("pad", ImVec2(cell * static_cast<float>(shape_.width), cell * static_cast<float>(shape_.height)));
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const ImVec2 pixel((mouse.x - at.x) / cell, (mouse.y - at.y) / cell);
  if (ImGui::IsItemActive()) {
    if (!stroking_) last_ = pixel;
    stroking_ = true;
    paint(pixel, tool_ == 1);
  } else if (stroking_) {
    stroking_ = false;
    pad_dirty_ = true;  // the stroke's end: follow it now, whatever the refresh
    pad_run_at_ = -1e9;
  }
  ImGui::TextUnformatted("pad");
  ImGui::EndGroup();

  const bool due = now_seconds() - pad_run_at_ >= kStrokeRefresh;
  if ((pad_dirty_ && due) || pad_version_ != model_.weights_version()) encode_pad();
  ImGui::SameLine();
  ImGui::BeginGroup();
  const ImVec2 recon_at = ImGui::GetCursorScreenPos();
  reconstruction_rect_[0] = recon_at.x, reconstruction_rect_[1] = recon_at.y, reconstruction_rect_[2] = side, reconstruction_rect_[3] = side;
  draw_image(pad_recon_, shape_, side);
  ImGui::TextUnformatted("recon");
  ImGui::EndGroup();
  if (!pad_filled_.empty()) {
    ImGui::SameLine();
    ImGui::BeginGroup();
    draw_image(pad_filled_, shape_, side);
    ImGui::TextUnformatted("filled");
    ImGui::EndGroup();
  }
  if (!pad_filled_.empty()) ImGui::TextWrapped("The erased pixels (dark red) filled in %d rounds of encode → decode", kInpaintRounds);
  ImGui::TextWrapped("negative ELBO at z = μ: %.1f nats (recon %.1f, KL %.1f)", static_cast<double>(pad_score_),
                     static_cast<double>(pad_recon_term_), static_cast<double>(pad_kl_));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The anomaly score: higher is less like what the model learned");
  if (model_.options().latent() == 2 && pad_mu_.size() == 2) {
    ImGui::Text("μ = (%.2f, %.2f): the cross on the latent plane", static_cast<double>(pad_mu_[0]), static_cast<double>(pad_mu_[1]));
  }
}

void Workbench::denoise() {
  const data::Dataset* data = model_.test_data();
  const auto values = static_cast<std::size_t>(shape_.size());
  const auto first = static_cast<std::size_t>(denoise_index_) * values;
  clean_.assign(values, 0.0f);
  for (std::size_t p = 0; p < values; ++p) clean_[p] = static_cast<float>(data->images.pixels[first + p]) / 255.0f;
  noisy_ = clean_;
  train::Noise noise;
  noise.kind = noise_amount_ <= 0.0f ? train::Noise::Kind::none : noise_kind_ == 0 ? train::Noise::Kind::gaussian : train::Noise::Kind::salt_pepper;
  noise.amount = static_cast<double>(noise_amount_);
  train::add_noise(noisy_, noise, noise_seed_);
  denoised_ = run(noisy_, data->labeled() ? data->labels[static_cast<std::size_t>(denoise_index_)] : 0).mean;
  noisy_mse_ = train::mean_squared_error(noisy_, clean_);
  denoised_mse_ = train::mean_squared_error(denoised_, clean_);
  denoise_version_ = model_.weights_version();
  denoise_dirty_ = false;
}

void Workbench::denoise_ui() {
  const data::Dataset* data = model_.test_data();
  if (!data) {
    ImGui::TextWrapped("No test images: %s", model_.test_data_problem().c_str());
    return;
  }
  ImGui::SetNextItemWidth(110);
  if (ImGui::SliderInt("##denoise image", &denoise_index_, 0, static_cast<int>(data->size()) - 1, "test image %d")) denoise_dirty_ = true;
  ImGui::SameLine();
  if (ImGui::Button("New noise")) ++noise_seed_, denoise_dirty_ = true;
  const char* kinds[] = {"gaussian σ", "salt-and-pepper p"};
  ImGui::SetNextItemWidth(140);
  if (ImGui::Combo("##noise", &noise_kind_, kinds, 2)) denoise_dirty_ = true;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(80);
  if (ImGui::SliderFloat("##amount", &noise_amount_, 0.0f, 1.0f, "%.2f")) denoise_dirty_ = true;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("σ of the gaussian, or the share of pixels salt-and-pepper sets");
  if (denoise_dirty_ || denoise_version_ != model_.weights_version()) denoise();
  const ImVec2 room = ImGui::GetContentRegionAvail();
  const float side = std::max(56.0f, std::min((room.x - 2.0f * ImGui::GetStyle().ItemSpacing.x) / 3.0f, room.y - 3.0f * ImGui::GetTextLineHeightWithSpacing()));
  draw_row({{noisy_, "noisy"}, {denoised_, "denoised"}, {clean_, "clean"}}, shape_, side, denoised_rect_);
  ImGui::Text("MSE: noisy %.4f, denoised %.4f", noisy_mse_, denoised_mse_);
  ImGui::Text("PSNR: noisy %.1f dB, denoised %.1f dB", train::psnr(noisy_mse_), train::psnr(denoised_mse_));
}

void Workbench::ui(Layout& layout) {
  layout.place(Panel::draw);
  if (ImGui::Begin("Draw")) pad_ui();
  ImGui::End();
  layout.place(Panel::denoise);
  if (ImGui::Begin("Denoise")) denoise_ui();
  ImGui::End();
}

}  // namespace vkvae::view
