#include "explorer.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "ops/random.hpp"
#include "train/applications.hpp"

namespace vkvae::view {

Explorer::Explorer(ModelSource& model, std::string source, std::string device)
    : model_(model), source_(std::move(source)), device_(std::move(device)), z_(static_cast<std::size_t>(model.options().latent()), 0.0f) {}

void Explorer::decode_samples() {
  // A conditional model without a chosen digit: a row for each digit, `side_` wide.
  const bool rows_of_digits = model_.options().conditional() && digit_ < 0;
  const int64_t count = int64_t{side_} * (rows_of_digits ? model_.options().classes : side_);
  samples_ = &model_.decoder(count, static_cast<uint32_t>(side_));
  const std::vector<float> z = train::prior_draws(count, model_.options().latent(), seed_);
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

namespace {

constexpr int64_t kEncoded = 1000;  // test images encoded for interpolation and the scatter

double now_seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Whether a panel showing weights `shown` should follow `current`, at most every `period` s.
bool follow(uint64_t shown, uint64_t current, double& at, double period) {
  if (shown == current || now_seconds() - at < period) return false;
  at = now_seconds();
  return true;
}
constexpr uint32_t kManifoldSide = 20;

// Ten distinct colours for the digits of the scatter.
const ImU32 kDigitColours[10] = {IM_COL32(230, 25, 75, 255),  IM_COL32(60, 180, 75, 255),  IM_COL32(255, 225, 25, 255),
                                 IM_COL32(0, 130, 200, 255),  IM_COL32(245, 130, 48, 255), IM_COL32(145, 30, 180, 255),
                                 IM_COL32(70, 240, 240, 255), IM_COL32(240, 50, 230, 255), IM_COL32(210, 245, 60, 255),
                                 IM_COL32(250, 190, 212, 255)};

}  // namespace

const std::vector<float>& Explorer::encodings() {
  train::Reconstructor* r = model_.reconstructor(kEncoded, 40);
  if (r && (encoded_.empty() || follow(encoded_version_, model_.weights_version(), encoded_at_, 2.0))) {
    const std::lock_guard lock(model_.weights_mutex());
    r->run();
    encoded_ = r->mu();
    encoded_version_ = model_.weights_version();
  }
  return encoded_;
}

void Explorer::reconstructions_ui(PictureRenderer& pictures, const Layout& layout) {
  layout.place(Panel::reconstructions);
  if (ImGui::Begin("Reconstructions")) {
    train::Reconstructor* r = model_.reconstructor(32, 8);
    if (!r) {
      ImGui::TextWrapped("no test images: %s", model_.test_data_problem().c_str());
    } else {
      if (recon_version_ == 0 || follow(recon_version_, model_.weights_version(), recon_at_, 1.0)) {
        const std::lock_guard lock(model_.weights_mutex());
        r->run();
        recon_version_ = model_.weights_version();
      }
      ImGui::TextWrapped("the first 32 test images (left), and what the model makes of them (right)");
      const float width = (ImGui::GetContentRegionAvail().x - 8.0f) / 2.0f;
      const ImVec2 size(width, width * static_cast<float>(r->size().height) / static_cast<float>(r->size().width));
      pictures.image(r->originals(), r->size(), size);
      ImGui::SameLine();
      pictures.image(r->reconstructions(), r->size(), size);
    }
  }
  ImGui::End();
}

void Explorer::interpolation_ui(PictureRenderer& pictures, const Layout& layout) {
  layout.place(Panel::interpolation);
  if (ImGui::Begin("Interpolation")) {
    const std::vector<float>& mu = encodings();
    if (mu.empty()) {
      ImGui::TextWrapped("no test images: %s", model_.test_data_problem().c_str());
    } else {
      const int last = static_cast<int>(mu.size() / static_cast<std::size_t>(model_.options().latent())) - 1;
      ImGui::SetNextItemWidth(100);
      line_dirty_ |= ImGui::InputInt("from test image", &from_);
      ImGui::SameLine();
      ImGui::SetNextItemWidth(100);
      line_dirty_ |= ImGui::InputInt("to", &to_);
      from_ = std::clamp(from_, 0, last), to_ = std::clamp(to_, 0, last);
      ImGui::SetNextItemWidth(200);
      line_dirty_ |= ImGui::SliderFloat("t", &t_, 0.0f, 1.0f);
      const auto latent = static_cast<std::size_t>(model_.options().latent());
      const auto lerp = [&](float t, std::vector<float>& z) {
        for (std::size_t j = 0; j < latent; ++j) {
          z.push_back((1.0f - t) * mu[static_cast<std::size_t>(from_) * latent + j] + t * mu[static_cast<std::size_t>(to_) * latent + j]);
        }
      };
      train::GridDecoder& line = model_.decoder(steps_, static_cast<uint32_t>(steps_), /*slot=*/1);
      train::GridDecoder& single = model_.decoder(1, 1, /*slot=*/1);
      if (line_dirty_ || line_version_ != encoded_version_) {
        const train::Reconstructor* r = model_.reconstructor(kEncoded, 40);
        const int digit_from = r->labels()[static_cast<std::size_t>(from_)], digit_to = r->labels()[static_cast<std::size_t>(to_)];
        std::vector<float> z, one;
        std::vector<int> digits;
        for (int s = 0; s < steps_; ++s) {
          const float t = static_cast<float>(s) / static_cast<float>(steps_ - 1);
          lerp(t, z);
          digits.push_back(t < 0.5f ? digit_from : digit_to);
        }
        lerp(t_, one);
        const std::lock_guard lock(model_.weights_mutex());
        line.decode(z, digits);
        single.decode(one, {t_ < 0.5f ? digit_from : digit_to});
        line_version_ = encoded_version_;  // the line follows the encodings it starts from
        line_dirty_ = false;
      }
      const float width = ImGui::GetContentRegionAvail().x;
      pictures.image(line.grid(), line.size(), ImVec2(width, width * static_cast<float>(line.size().height) / static_cast<float>(line.size().width)));
      pictures.image(single.grid(), single.size(), ImVec2(120, 120));
    }
  }
  ImGui::End();
}

void Explorer::manifold_ui(PictureRenderer& pictures, const Layout& layout) {
  layout.place(Panel::plane);
  if (ImGui::Begin("Latent plane")) {
    train::GridDecoder& grid = model_.decoder(int64_t{kManifoldSide} * kManifoldSide, kManifoldSide, /*slot=*/2);
    if (manifold_version_ == 0 || follow(manifold_version_, model_.weights_version(), manifold_at_, 1.0)) {
      std::vector<float> z;
      for (uint32_t row = 0; row < kManifoldSide; ++row) {
        for (uint32_t col = 0; col < kManifoldSide; ++col) {
          z.push_back(-3.0f + 6.0f * static_cast<float>(col) / (kManifoldSide - 1));
          z.push_back(3.0f - 6.0f * static_cast<float>(row) / (kManifoldSide - 1));
        }
      }
      const std::lock_guard lock(model_.weights_mutex());
      grid.decode(z, std::vector<int>(z.size() / 2, 0));
      manifold_version_ = model_.weights_version();
    }
    ImGui::TextWrapped("z over [-3, 3]², decoded. Dots: the test images' μ, coloured by digit; the ring: the Latent panel's z "
                       "(click or drag on the plane to set it); the cross: the drawing pad's μ.");
    const std::vector<float>& mu = encodings();
    const train::Reconstructor* r = mu.empty() ? nullptr : model_.reconstructor(kEncoded, 40);
    if (r) {
      // The legend: a swatch per digit.
      for (int d = 0; d < 10; ++d) {
        if (d > 0) ImGui::SameLine(0.0f, 6.0f);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kDigitColours[d]), "■ %d", d);
      }
    }
    const float side = std::max(64.0f, std::min(ImGui::GetContentRegionAvail().x, ImGui::GetContentRegionAvail().y));
    const ImVec2 at = ImGui::GetCursorScreenPos();
    pictures.image(grid.grid(), grid.size(), ImVec2(side, side));
    if (ImGui::IsItemHovered() && ImGui::IsMouseDown(ImGuiMouseButton_Left)) {
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      z_[0] = std::clamp(-3.0f + 6.0f * (mouse.x - at.x) / side, -3.0f, 3.0f);
      z_[1] = std::clamp(3.0f - 6.0f * (mouse.y - at.y) / side, -3.0f, 3.0f);
      latent_dirty_ = true;
    }
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const auto on_plane = [&](float zx, float zy) { return ImVec2(at.x + (zx + 3.0f) / 6.0f * side, at.y + (3.0f - zy) / 6.0f * side); };
    for (std::size_t i = 0; r && i < mu.size() / 2; ++i) {
      if (std::fabs(mu[2 * i]) > 3.0f || std::fabs(mu[2 * i + 1]) > 3.0f) continue;  // off the plane shown
      draw->AddCircleFilled(on_plane(mu[2 * i], mu[2 * i + 1]), 2.5f, kDigitColours[r->labels()[i] % 10]);
    }
    if (marked_.size() == 2) {  // the drawing pad's μ: a cross
      const ImVec2 m = on_plane(std::clamp(marked_[0], -3.0f, 3.0f), std::clamp(marked_[1], -3.0f, 3.0f));
      for (const auto& [colour, width] : {std::pair{IM_COL32(0, 0, 0, 255), 5.0f}, std::pair{IM_COL32(255, 160, 0, 255), 2.5f}}) {
        draw->AddLine(ImVec2(m.x - 7, m.y - 7), ImVec2(m.x + 7, m.y + 7), colour, width);
        draw->AddLine(ImVec2(m.x - 7, m.y + 7), ImVec2(m.x + 7, m.y - 7), colour, width);
      }
    }
    const ImVec2 z = on_plane(z_[0], z_[1]);
    draw->AddCircle(z, 7.0f, IM_COL32(0, 0, 0, 255), 0, 4.0f);
    draw->AddCircle(z, 7.0f, IM_COL32(255, 255, 255, 255), 0, 2.0f);
  }
  ImGui::End();
}

void Explorer::ui(PictureRenderer& pictures, Layout& layout) {
  const bool conditional = model_.options().conditional();
  layout.place(Panel::samples);
  if (ImGui::Begin("Samples")) {
    if (ImGui::Button("Reseed")) ++seed_, samples_dirty_ = true;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(120);
    if (ImGui::SliderInt("per side", &side_, 2, 16)) samples_dirty_ = true;
    if (conditional) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(140);
      const std::vector<std::string> names = [&] {
        std::vector<std::string> n = {"a row per class"};
        for (int64_t c = 0; c < model_.options().classes; ++c) n.push_back(model_.options().class_name(c));
        return n;
      }();
      int choice = digit_ + 1;
      const auto name_of = [](void* data, int i, const char** out) {
        *out = static_cast<const std::vector<std::string>*>(data)->at(static_cast<std::size_t>(i)).c_str();
        return true;
      };
      if (ImGui::Combo("class", &choice, name_of, const_cast<std::vector<std::string>*>(&names), static_cast<int>(names.size()))) {
        digit_ = choice - 1, samples_dirty_ = true;
      }
    }
    ImGui::TextWrapped("z drawn from the prior N(0, I) with seed %llu, decoded", static_cast<unsigned long long>(seed_));
    if (samples_dirty_ || samples_version_ != model_.weights_version()) decode_samples();
    // The whole grid in view: as wide as the panel, or as tall, whichever is less.
    const ops::GridSize size = samples_->size();
    const float aspect = static_cast<float>(size.height) / static_cast<float>(size.width);
    const ImVec2 room = ImGui::GetContentRegionAvail();
    const float width = std::max(32.0f, std::min(room.x, room.y / aspect));
    const float height = width * aspect;
    const ImVec2 at = ImGui::GetCursorScreenPos();
    samples_rect_[0] = at.x, samples_rect_[1] = at.y, samples_rect_[2] = width, samples_rect_[3] = height;
    pictures.image(samples_->grid(), size, ImVec2(width, height));
  }
  ImGui::End();

  layout.place(Panel::latent);
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
    // As large as the panel allows, leaving room for the sliders.
    const ImVec2 room = ImGui::GetContentRegionAvail();
    const float sliders = static_cast<float>(std::min<std::size_t>(z_.size(), 8)) * ImGui::GetFrameHeightWithSpacing();
    const float side = std::max(64.0f, std::min(room.x, room.y - sliders));
    pictures.image(single_->grid(), single_->size(), ImVec2(side, side));
    for (std::size_t j = 0; j < z_.size(); ++j) {
      char label[32];
      std::snprintf(label, sizeof label, "z%zu", j);
      if (ImGui::SliderFloat(label, &z_[j], -3.0f, 3.0f, "%.2f")) latent_dirty_ = true;
    }
  }
  ImGui::End();

  reconstructions_ui(pictures, layout);
  interpolation_ui(pictures, layout);
  if (model_.options().latent() == 2) manifold_ui(pictures, layout);

  layout.place(Panel::model);
  if (ImGui::Begin("Model")) {
    const train::TrainOptions& o = model_.options();
    ImGui::TextWrapped("%s", source_.c_str());
    ImGui::Text("%s: latent %lld, step %lld", o.model_label().c_str(), static_cast<long long>(o.latent()), static_cast<long long>(model_.step()));
    ImGui::TextWrapped("device: %s", device_.c_str());
    ImGui::Text("%.0f frames/s", static_cast<double>(ImGui::GetIO().Framerate));
    if (ImGui::Button("Lay out again")) layout.lay_out_again();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Put every panel back in its place for this window's size");
  }
  ImGui::End();
}

}  // namespace vkvae::view
