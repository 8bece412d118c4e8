// Where the panels go: laid out from the window's size at the first launch (two rows whose
// columns share the width by weight), then wherever the person put them, kept between launches
// in $XDG_CONFIG_HOME/vkvae/view.ini (~/.config/vkvae/view.ini). "Lay out again" (the Model
// panel) applies the computed layout to the window's size now.
#pragma once

#include <string>

namespace vkvae::view {

enum class Panel { samples, latent, plane, training, reconstructions, interpolation, draw, denoise, model };

class Layout {
 public:
  // `plane`: a 2-D latent (the latent plane panel); `training`: a live run (its dashboard).
  Layout(bool plane, bool training) : plane_(plane), training_(training) {}

  // Call once a frame, before the panels.
  void begin_frame();
  // Before ImGui::Begin of `panel`: its place, unless the person's layout has one.
  void place(Panel panel) const;
  // From the next frame on, every panel goes back to the computed place for this window size.
  void lay_out_again() { again_ = true; }

 private:
  bool plane_, training_;
  bool again_ = false, forcing_ = false;
};

// The file the person's layout is kept in ("" when no home or config directory can be made).
std::string layout_file();

}  // namespace vkvae::view
