#version 450
#extension GL_GOOGLE_include_directive : require
// x (n) → y = alpha·x (n): a copy when alpha = 1; in place when x and y are the same tensor.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint ITEMS = 4;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint n; float alpha; };

void main() {
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i < n) y[i] = alpha * x[i];
  }
}
