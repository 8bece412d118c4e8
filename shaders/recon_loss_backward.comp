#version 450
#extension GL_GOOGLE_include_directive : require
// prediction (n), target (n), weight (1) → dprediction (n) = weight · ∂ℓ/∂p
//   LOSS 0: BCE with logits: σ(p) − t;   LOSS 1: squared error: 2(p − t)
// The weight (e.g. 1/batch) lives on the device, so it can change without re-recording.
// PER_ROW: a weight for each row of D values (the upstream gradient of per-example terms).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint LOSS = 0;
layout(constant_id = 2) const uint ITEMS = 4;
layout(constant_id = 3) const bool PER_ROW = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer P_ { float prediction[]; };
layout(std430, set = 0, binding = 1) readonly buffer T_ { float target[]; };
layout(std430, set = 0, binding = 2) readonly buffer W_ { float weight[]; };
layout(std430, set = 0, binding = 3) writeonly buffer G_ { float dprediction[]; };
layout(push_constant) uniform Push { uint n, D; };

void main() {
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i >= n) return;
    const float p = prediction[i], t = target[i];
    const float g = LOSS == 0 ? 1.0 / (1.0 + exp(-p)) - t : 2.0 * (p - t);
    dprediction[i] = weight[PER_ROW ? i / D : 0u] * g;
  }
}
