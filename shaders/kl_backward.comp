#version 450
#extension GL_GOOGLE_include_directive : require
// μ (n), log σ² (n), weight (1) → dμ (+)= weight·μ,  dlog σ² (+)= weight·½(σ² − 1)
// Accumulates by default: the reparameterization also sends gradients to μ and log σ².

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool ACCUMULATE = true;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer M_ { float mu[]; };
layout(std430, set = 0, binding = 1) readonly buffer V_ { float logvar[]; };
layout(std430, set = 0, binding = 2) readonly buffer W_ { float weight[]; };
layout(std430, set = 0, binding = 3) buffer DM_ { float dmu[]; };
layout(std430, set = 0, binding = 4) buffer DV_ { float dlogvar[]; };
layout(push_constant) uniform Push { uint n; };

void main() {
  const uint i = linear_invocation();
  if (i >= n) return;
  const float w = weight[0];
  const float gm = w * mu[i];
  const float gv = w * 0.5 * (exp(logvar[i]) - 1.0);
  dmu[i] = ACCUMULATE ? dmu[i] + gm : gm;
  dlogvar[i] = ACCUMULATE ? dlogvar[i] + gv : gv;
}
