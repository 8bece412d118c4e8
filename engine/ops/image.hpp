// Decoded images → an RGBA8 grid as torchvision's make_grid + save_image lay it out, for PNG
// sample grids and the viewer.
#pragma once

#include "ops/encoder.hpp"

namespace vkvae::ops {

struct GridLayout {
  uint32_t nrow = 8;     // tiles per row
  uint32_t padding = 2;  // pixels between and around tiles
};

// Grid size in pixels for `count` images of h×w.
struct GridSize {
  uint32_t width, height;
};
GridSize grid_size(uint32_t count, uint32_t h, uint32_t w, const GridLayout& layout);

// images (B, C, H, W) with C = 1 or 3 → grid (height·width) u32 RGBA8 (R in the low byte).
// `sigmoid`: the images are logits.
void image_grid(Encoder& enc, const Tensor& grid, const Tensor& images, const GridLayout& layout,
                bool sigmoid);

}  // namespace vkvae::ops
