#version 450
#extension GL_GOOGLE_include_directive : require
// images (B, C, H, W) f32 → grid (rows·(H+P)+P, nrow·(W+P)+P) RGBA8 packed in u32, laid out as
// torchvision's make_grid + save_image: nrow tiles a row, P pixels of padding (pad_value 0),
// value·255 + 0.5 clamped to [0, 255]; one channel is drawn grey. SIGMOID maps logits first.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool SIGMOID = true;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer I_ { float images[]; };
layout(std430, set = 0, binding = 1) writeonly buffer G_ { uint grid[]; };
layout(push_constant) uniform Push { uint B, C, H, W, nrow, pad, grid_w, grid_h; };

uint to_byte(float v) {
  if (SIGMOID) v = 1.0 / (1.0 + exp(-v));
  return uint(clamp(v * 255.0 + 0.5, 0.0, 255.0));
}

void main() {
  const uint i = linear_invocation();
  if (i >= grid_w * grid_h) return;
  const uint gy = i / grid_w, gx = i - gy * grid_w;
  uvec3 rgb = uvec3(0u);
  const uint ty = gy / (H + pad), tx = gx / (W + pad);
  const uint py = gy - ty * (H + pad), px = gx - tx * (W + pad);
  const uint tile = ty * nrow + tx;
  if (py >= pad && px >= pad && tx < nrow && tile < B) {
    const uint y = py - pad, x = px - pad;
    const uint base = tile * C * H * W + y * W + x;
    for (uint c = 0; c < 3u; ++c) rgb[c] = to_byte(images[base + min(c, C - 1u) * H * W]);
  }
  grid[i] = rgb.r | (rgb.g << 8) | (rgb.b << 16) | (255u << 24);
}
