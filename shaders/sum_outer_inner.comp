#version 450
// x (A,B,C) → y (B) = Σ_a Σ_c x[a,b,c], or y += … when ACCUMULATE.
// Bias gradients: Linear is (batch, out, 1), Conv2d is (N, K, P·Q).
//
// One invocation per b sums in a fixed order (a outer, c inner): deterministic, no atomics.
// The sum over c is kept in its own accumulator per a, so a long c does not drown small terms.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint A, B, C; };

void main() {
  const uint b = gl_GlobalInvocationID.x;
  if (b >= B) return;
  float total = 0.0;
  for (uint a = 0; a < A; ++a) {
    const uint base = (a * B + b) * C;
    float part = 0.0;
    for (uint c = 0; c < C; ++c) part += x[base + c];
    total += part;
  }
  y[b] = ACCUMULATE ? y[b] + total : total;
}
