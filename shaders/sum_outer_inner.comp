#version 450
// x (A,B,C) → y (B) = Σ_a Σ_c x[a,b,c], or y += … when ACCUMULATE; and, in the same dispatch, a
// second independent sum x2 (A2,B2,C2) → y2 (B2) (B2 = 0: none). Bias gradients: Linear is
// (batch, out, 1), Conv2d is (N, K, P·Q); the split weight gradient of a convolution adds its
// partial sums (splits, K·C·R·S, 1) as the first job and its bias gradient as the second.
//
// One invocation per output sums in a fixed order (a outer, c inner): deterministic, no atomics.
// The sum over c is kept in its own accumulator per a, so a long c does not drown small terms.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(std430, set = 0, binding = 2) readonly buffer X2_ { float x2[]; };
layout(std430, set = 0, binding = 3) buffer Y2_ { float y2[]; };
layout(push_constant) uniform Push { uint A, B, C, A2, B2, C2; };

void main() {
  const uint id = gl_GlobalInvocationID.x;
  const bool second = id >= B;
  const uint b = second ? id - B : id;
  if (b >= (second ? B2 : B)) return;
  const uint outer = second ? A2 : A, rows = second ? B2 : B, inner = second ? C2 : C;
  float total = 0.0;
  for (uint a = 0; a < outer; ++a) {
    const uint base = (a * rows + b) * inner;
    float part = 0.0;
    for (uint c = 0; c < inner; ++c) part += second ? x2[base + c] : x[base + c];
    total += part;
  }
  if (second) {
    y2[b] = ACCUMULATE ? y2[b] + total : total;
  } else {
    y[b] = ACCUMULATE ? y[b] + total : total;
  }
}
