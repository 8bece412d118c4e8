#version 450
// x (n) → y (G) with y[g] = scale·Σ f(x) over chunk g of CHUNK elements (G = workgroups),
// or y[g] += … when ACCUMULATE; f(x) = x, or x² when SQUARE. One workgroup (G = 1) sums
// everything. Lane l of a group sums its chunk's elements l, l+L, l+2L, … in order, then a
// fixed pairwise tree in shared memory: the order depends only on n, L and the chunk size, so
// the same inputs give the same bits on a device.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;  // a power of two
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(constant_id = 2) const bool SQUARE = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint n; float scale; uint chunk; };

shared float partial[LOCAL_SIZE];

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint begin = gl_WorkGroupID.x * chunk;
  const uint end = min(n, begin + chunk);
  float s = 0.0;
  for (uint i = begin + lane; i < end; i += LOCAL_SIZE) {
    const float v = x[i];
    s += SQUARE ? v * v : v;
  }
  partial[lane] = s;
  barrier();
  for (uint width = LOCAL_SIZE / 2; width > 0; width /= 2) {
    if (lane < width) partial[lane] += partial[lane + width];
    barrier();
  }
  if (lane == 0) {
    const uint g = gl_WorkGroupID.x;
    y[g] = ACCUMULATE ? y[g] + scale * partial[0] : scale * partial[0];
  }
}
