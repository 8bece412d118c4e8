#version 450
#extension GL_GOOGLE_include_directive : require
// x (B, D) → y (B, W) = x[:, first : first + W], or y += … when ACCUMULATE.
// The backward of a feature concatenation, one side at a time.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint rows, D, first, W; };

void main() {
  const uint i = linear_invocation();
  if (i >= rows * W) return;
  const uint r = i / W, c = i - r * W;
  const float v = x[r * D + first + c];
  y[i] = ACCUMULATE ? y[i] + v : v;
}
