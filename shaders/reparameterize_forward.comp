#version 450
#extension GL_GOOGLE_include_directive : require
// μ (n), log σ² (n), rng (4 × u32) → ε (n) ~ N(0,1), z = μ + exp(½ log σ²)·ε (n). Element i
// draws the noise of element first + i (first: where a shard of a larger batch starts).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer M_ { float mu[]; };
layout(std430, set = 0, binding = 1) readonly buffer V_ { float logvar[]; };
layout(std430, set = 0, binding = 2) readonly buffer R_ { uvec4 rng; };
layout(std430, set = 0, binding = 3) writeonly buffer E_ { float eps[]; };
layout(std430, set = 0, binding = 4) writeonly buffer Z_ { float z[]; };
layout(push_constant) uniform Push { uint n; uint stream; uint first; };

#include "random.glsl"

void main() {
  const uint i = linear_invocation();
  if (i >= n) return;
  const float e = standard_normal(rng, stream, first + i);
  eps[i] = e;
  z[i] = mu[i] + exp(0.5 * logvar[i]) * e;
}
