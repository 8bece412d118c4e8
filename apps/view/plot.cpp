#include "plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace vkvae::view {
namespace {

constexpr float kBottom = 16.0f;  // room for the x tick labels

std::string tick(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", static_cast<double>(value));
  return text;
}

}  // namespace

void plot(const char* id, const char* title, const std::vector<float>& x, std::initializer_list<Series> series, float height,
          const char* x_name) {
  // The title, then each series' name in its colour (a legend where there are several).
  ImGui::TextUnformatted(title);
  if (series.size() > 1) {
    for (const Series& s : series) {
      ImGui::SameLine();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.colour), "%s", s.name);
    }
  }
  const ImVec2 size(ImGui::GetContentRegionAvail().x, height);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* draw = ImGui::GetWindowDrawList();

  float y_min = std::numeric_limits<float>::infinity(), y_max = -y_min;
  for (const Series& s : series) {
    for (float v : *s.y) {
      if (std::isfinite(v)) y_min = std::min(y_min, v), y_max = std::max(y_max, v);
    }
  }
  const bool any = y_min <= y_max && !x.empty();
  if (any && y_max - y_min < 1e-6f * std::max(1.0f, std::fabs(y_max))) y_min -= 0.5f, y_max += 0.5f;  // a flat line in the middle
  // Room on the left for the widest y tick label.
  float left = ImGui::CalcTextSize("0").x * 4.0f;
  for (float f : {0.0f, 0.5f, 1.0f}) {
    if (any) left = std::max(left, ImGui::CalcTextSize(tick(y_min + f * (y_max - y_min)).c_str()).x + 8.0f);
  }
  const ImVec2 lo(at.x + left, at.y), hi(at.x + size.x, at.y + size.y - kBottom);
  draw->AddRect(lo, hi, IM_COL32(110, 110, 120, 255));
  if (!any || hi.x - lo.x < 8.0f || hi.y - lo.y < 8.0f) return;
  const float x_min = x.front(), x_max = std::max(x.back(), x.front() + 1.0f);
  const auto px = [&](float v) { return lo.x + (v - x_min) / (x_max - x_min) * (hi.x - lo.x); };
  const auto py = [&](float v) { return hi.y - (v - y_min) / (y_max - y_min) * (hi.y - lo.y); };

  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  for (float f : {0.0f, 0.5f, 1.0f}) {
    const float v = y_min + f * (y_max - y_min), y = py(v);
    if (f > 0.0f && f < 1.0f) draw->AddLine(ImVec2(lo.x, y), ImVec2(hi.x, y), IM_COL32(70, 70, 80, 255));
    const std::string label = tick(v);
    const float w = ImGui::CalcTextSize(label.c_str()).x;
    draw->AddText(ImVec2(lo.x - w - 4.0f, y - ImGui::GetTextLineHeight() * 0.5f), text, label.c_str());
  }
  const std::string first = std::string(x_name) + " " + tick(x_min), last = tick(x.back());
  draw->AddText(ImVec2(lo.x, hi.y + 1.0f), text, first.c_str());
  draw->AddText(ImVec2(hi.x - ImGui::CalcTextSize(last.c_str()).x, hi.y + 1.0f), text, last.c_str());

  for (const Series& s : series) {
    std::vector<ImVec2> points;
    for (std::size_t i = 0; i < x.size() && i < s.y->size(); ++i) {
      if (std::isfinite((*s.y)[i])) points.emplace_back(px(x[i]), py((*s.y)[i]));
    }
    if (points.size() == 1) draw->AddCircleFilled(points[0], 2.5f, s.colour);
    draw->AddPolyline(points.data(), static_cast<int>(points.size()), s.colour, 0, 1.5f);
  }

  if (hovered) {
    // The point nearest the mouse along x.
    const float mouse = ImGui::GetIO().MousePos.x;
    std::size_t nearest = 0;
    for (std::size_t i = 1; i < x.size(); ++i) {
      if (std::fabs(px(x[i]) - mouse) < std::fabs(px(x[nearest]) - mouse)) nearest = i;
    }
    draw->AddLine(ImVec2(px(x[nearest]), lo.y), ImVec2(px(x[nearest]), hi.y), IM_COL32(200, 200, 200, 120));
    ImGui::BeginTooltip();
    ImGui::Text("%s %s", x_name, tick(x[nearest]).c_str());
    for (const Series& s : series) {
      if (nearest < s.y->size()) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.colour), "%s %.4g", s.name, static_cast<double>((*s.y)[nearest]));
    }
    ImGui::EndTooltip();
  }
}

}  // namespace vkvae::view
