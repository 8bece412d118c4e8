#version 450
#extension GL_GOOGLE_include_directive : require
// y (n) ← value, as 32-bit words (the value's bits are given, so it fills floats and uints alike).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) writeonly buffer Y { uint y[]; };

layout(push_constant) uniform Push {
  uint n;
  uint value_bits;
};

void main() {
  uint i = linear_invocation();
  if (i < n) y[i] = value_bits;
}
