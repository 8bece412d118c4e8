#version 450
#extension GL_GOOGLE_include_directive : require
// rng (4 × u32) → out (n) ~ N(0,1), element i from (seed, step, stream, i)

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer R_ { uvec4 rng; };
layout(std430, set = 0, binding = 1) writeonly buffer O_ { float out_[]; };
layout(push_constant) uniform Push { uint n; uint stream; };

#include "random.glsl"

void main() {
  const uint i = linear_invocation();
  if (i < n) out_[i] = standard_normal(rng, stream, i);
}
