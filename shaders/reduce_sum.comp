#version 450
// x (n) → y (1) = scale·Σ x, or y += … when ACCUMULATE. One workgroup: lane l sums elements
// l, l+L, l+2L, … in order, then a fixed pairwise tree in shared memory. The order depends only
// on n and L, so the same inputs give the same bits on a device.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;  // a power of two
layout(constant_id = 1) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint n; float scale; };

shared float partial[LOCAL_SIZE];

void main() {
  const uint lane = gl_LocalInvocationID.x;
  float s = 0.0;
  for (uint i = lane; i < n; i += LOCAL_SIZE) s += x[i];
  partial[lane] = s;
  barrier();
  for (uint width = LOCAL_SIZE / 2; width > 0; width /= 2) {
    if (lane < width) partial[lane] += partial[lane + width];
    barrier();
  }
  if (lane == 0) y[0] = ACCUMULATE ? y[0] + scale * partial[0] : scale * partial[0];
}
