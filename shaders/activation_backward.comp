#version 450
#extension GL_GOOGLE_include_directive : require
// dy (n), y = act(x) (n) → dx = dy · act'(x) (n), or dx += … when ACCUMULATE

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint ITEMS = 4;
layout(constant_id = 2) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DY_ { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y_ { float y[]; };
layout(std430, set = 0, binding = 2) buffer DX_ { float dx[]; };
layout(push_constant) uniform Push { uint n; };

#include "activation.glsl"

void main() {
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i >= n) continue;
    const float g = dy[i] * act_grad_from_output(y[i]);
    dx[i] = ACCUMULATE ? dx[i] + g : g;
  }
}
