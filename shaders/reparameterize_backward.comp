#version 450
#extension GL_GOOGLE_include_directive : require
// dz (n), ε (n), log σ² (n) → dμ (+)= dz,  dlog σ² (+)= dz·ε·½·exp(½ log σ²)

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer DZ_ { float dz[]; };
layout(std430, set = 0, binding = 1) readonly buffer E_ { float eps[]; };
layout(std430, set = 0, binding = 2) readonly buffer V_ { float logvar[]; };
layout(std430, set = 0, binding = 3) buffer DM_ { float dmu[]; };
layout(std430, set = 0, binding = 4) buffer DV_ { float dlogvar[]; };
layout(push_constant) uniform Push { uint n; };

void main() {
  const uint i = linear_invocation();
  if (i >= n) return;
  const float g = dz[i];
  const float gv = g * eps[i] * 0.5 * exp(0.5 * logvar[i]);
  dmu[i] = ACCUMULATE ? dmu[i] + g : g;
  dlogvar[i] = ACCUMULATE ? dlogvar[i] + gv : gv;
}
