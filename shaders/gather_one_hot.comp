#version 450
#extension GL_GOOGLE_include_directive : require
// labels (N) u8, order (N) u32, cursor (1) u32 → y (B, K) f32 one-hot of label
// order[cursor + FIRST + b] (FIRST: the first row of a shard of a larger batch, as in gather_images)

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer L_ { uint labels[]; };
layout(std430, set = 0, binding = 1) readonly buffer O_ { uint order[]; };
layout(std430, set = 0, binding = 2) readonly buffer C_ { uint cursor; };
layout(std430, set = 0, binding = 3) writeonly buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint B, K, N, FIRST; };

#include "bytes.glsl"

void main() {
  const uint i = linear_invocation();
  if (i >= B * K) return;
  const uint b = i / K, k = i - b * K;
  const uint at = order[(cursor + FIRST + b) % N];
  y[i] = byte_at(labels[at >> 2], at) == k ? 1.0 : 0.0;
}
