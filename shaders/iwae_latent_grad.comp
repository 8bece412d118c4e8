#version 450
#extension GL_GOOGLE_include_directive : require
// The bound's gradients with respect to z and log σ² from its per-sample weights s (B·K), ε
// held fixed: dz (+)= s·z, dlog σ² (+)= −s/2, over (B·K, L).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer S_ { float s[]; };
layout(std430, set = 0, binding = 1) readonly buffer Z_ { float z[]; };
layout(std430, set = 0, binding = 2) buffer DZ_ { float dz[]; };
layout(std430, set = 0, binding = 3) buffer DV_ { float dlogvar[]; };
layout(push_constant) uniform Push { uint n, L; };

void main() {
  const uint i = linear_invocation();
  if (i >= n) return;
  const float weight = s[i / L];
  const float gz = weight * z[i], gv = -0.5 * weight;
  dz[i] = ACCUMULATE ? dz[i] + gz : gz;
  dlogvar[i] = ACCUMULATE ? dlogvar[i] + gv : gv;
}
