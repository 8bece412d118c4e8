#include "layout.hpp"

#include <imgui.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace vkvae::view {
namespace {

constexpr float kMargin = 8.0f;
constexpr float kTopShare = 0.6f;  // of the height, for the top row

struct Column {
  Panel panel;
  float weight;
};

}  // namespace

void Layout::begin_frame() {
  forcing_ = again_;
  again_ = false;
}

void Layout::place(Panel panel) const {
  std::vector<Column> top = {{Panel::samples, 3.0f}, {Panel::latent, 2.0f}};
  if (plane_) top.push_back({Panel::plane, 3.0f});
  if (training_) top.push_back({Panel::training, 3.0f});
  const std::vector<Column> bottom = {{Panel::reconstructions, 3.0f}, {Panel::interpolation, 3.0f}, {Panel::draw, 3.0f},
                                      {Panel::denoise, 3.0f}, {Panel::model, 2.0f}};
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float rows_height = display.y - 3.0f * kMargin;
  for (int row = 0; row < 2; ++row) {
    const std::vector<Column>& columns = row == 0 ? top : bottom;
    float total = 0.0f;
    for (const Column& c : columns) total += c.weight;
    const float width = display.x - kMargin * static_cast<float>(columns.size() + 1);
    const float y = row == 0 ? kMargin : 2.0f * kMargin + rows_height * kTopShare;
    const float h = rows_height * (row == 0 ? kTopShare : 1.0f - kTopShare);
    float x = kMargin;
    for (const Column& c : columns) {
      const float w = width * c.weight / total;
      if (c.panel == panel) {
        const ImGuiCond when = forcing_ ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
        ImGui::SetNextWindowPos(ImVec2(x, y), when);
        ImGui::SetNextWindowSize(ImVec2(w, h), when);
        return;
      }
      x += w + kMargin;
    }
  }
}

std::string layout_file() {
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config) dir = config;
  else if (const char* home = std::getenv("HOME"); home && *home) dir = fs::path(home) / ".config";
  else return {};
  std::error_code error;
  fs::create_directories(dir / "vkvae", error);
  return error ? std::string() : (dir / "vkvae" / "view.ini").string();
}

}  // namespace vkvae::view
