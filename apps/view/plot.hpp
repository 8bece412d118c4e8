// Line plots a person can read on their own: a title with a legend, the y range's ends and middle
// as ticks, the x range (steps) at its ends, and on hover the nearest point's step and values.
#pragma once

#include <imgui.h>

#include <initializer_list>
#include <vector>

namespace vkvae::view {

struct Series {
  const char* name;
  const std::vector<float>* y;  // as many values as x
  ImU32 colour;
};

// Draws `series` against `x` (e.g. steps) in a plot `size` high and as wide as the panel;
// `x_name` names the x values in ticks and on hover ("step"). `id` must be unique in the panel.
void plot(const char* id, const char* title, const std::vector<float>& x, std::initializer_list<Series> series, float height,
          const char* x_name);

}  // namespace vkvae::view
