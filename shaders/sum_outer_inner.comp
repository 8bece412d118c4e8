#version 450
// x (A,B,C) → y (B) = Σ_a Σ_c x[a,b,c], or y += … when ACCUMULATE; and, in the same dispatch, a
// second independent sum x2 (A2,B2,C2) → y2 (B2) (B2 = 0: none). Bias gradients: Linear is
// (batch, out, 1), Conv2d is (N, K, P·Q); the split weight gradient of a convolution adds its
// partial sums (splits, K·C·R·S, 1) as the first job and its bias gradient as the second.
//
// Each sum keeps the sum over c in its own accumulator per a, so a long c does not drown small
// terms, and adds in a fixed order: deterministic, no atomics. A job is either
// - narrow: one invocation per output, a outer, c inner (few terms per output: split partials), or
// - WIDE: one workgroup per output (a bias over a batch of images, where a single invocation
//   would add 10⁵ terms alone). Lane l adds rows a ≡ l (mod LOCAL_SIZE), as vec4s where VEC4
//   (C % 4 == 0, x 16-byte aligned), then the lanes' totals meet in a fixed tree.
// The first job takes workgroups [0, groups1), the second the rest.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;  // a power of two
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(constant_id = 2) const bool WIDE1 = false;
layout(constant_id = 3) const bool WIDE2 = false;
layout(constant_id = 4) const bool VEC4_1 = false;
layout(constant_id = 5) const bool VEC4_2 = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 0) readonly buffer X4_ { vec4 x4[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(std430, set = 0, binding = 2) readonly buffer X2_ { float x2[]; };
layout(std430, set = 0, binding = 2) readonly buffer X24_ { vec4 x24[]; };
layout(std430, set = 0, binding = 3) buffer Y2_ { float y2[]; };
layout(push_constant) uniform Push { uint A, B, C, A2, B2, C2, groups1; };

shared float lane_totals[LOCAL_SIZE];

// Σ_c of one row (a, b) of the job's x: `inner` values from `base`.
float row_sum(bool second, uint base, uint inner) {
  if (second ? VEC4_2 : VEC4_1) {
    vec4 part = vec4(0.0);
    for (uint c = 0; c < inner; c += 4) part += second ? x24[(base + c) / 4] : x4[(base + c) / 4];
    return (part.x + part.y) + (part.z + part.w);
  }
  float part = 0.0;
  for (uint c = 0; c < inner; ++c) part += second ? x2[base + c] : x[base + c];
  return part;
}

void store(bool second, uint b, float total) {
  if (second) {
    y2[b] = ACCUMULATE ? y2[b] + total : total;
  } else {
    y[b] = ACCUMULATE ? y[b] + total : total;
  }
}

void main() {
  const bool second = gl_WorkGroupID.x >= groups1;
  const uint outer = second ? A2 : A, rows = second ? B2 : B, inner = second ? C2 : C;
  const uint group = second ? gl_WorkGroupID.x - groups1 : gl_WorkGroupID.x, lane = gl_LocalInvocationID.x;

  if (!(second ? WIDE2 : WIDE1)) {
    const uint b = group * LOCAL_SIZE + lane;
    if (b >= rows) return;
    float total = 0.0;
    for (uint a = 0; a < outer; ++a) total += row_sum(second, (a * rows + b) * inner, inner);
    store(second, b, total);
    return;
  }

  const uint b = group;  // the whole workgroup takes the same branch, so the barriers are uniform
  float total = 0.0;
  for (uint a = lane; a < outer; a += LOCAL_SIZE) total += row_sum(second, (a * rows + b) * inner, inner);
  lane_totals[lane] = total;
  barrier();
  for (uint width = LOCAL_SIZE / 2; width > 0; width /= 2) {
    if (lane < width) lane_totals[lane] += lane_totals[lane + width];
    barrier();
  }
  if (lane == 0) store(second, b, lane_totals[0]);
}
