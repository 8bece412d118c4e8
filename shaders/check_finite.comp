#version 450
// x (n) → flag |= BIT when any element is NaN or ±Inf. An integer atomic OR: no float atomics,
// and the result does not depend on order.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint ITEMS = 8;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer F_ { uint flag; };
layout(push_constant) uniform Push { uint n; uint bit; };

void main() {
  const uint first = gl_WorkGroupID.x * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  bool bad = false;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    // By the bits: an all-ones exponent is Inf or NaN, whatever the compiler assumes about NaN.
    if (i < n) bad = bad || (floatBitsToUint(x[i]) & 0x7F800000u) == 0x7F800000u;
  }
  if (bad) atomicOr(flag, bit);
}
