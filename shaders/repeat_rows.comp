#version 450
#extension GL_GOOGLE_include_directive : require
// Rows of F values repeated K times in a row, and the gradient back:
//   REDUCE false: y (B·K, F), y[r] = x[r / K];
//   REDUCE true:  y (B, F) (+)= Σ_k x[b·K + k] (the sum of each row's K copies).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool REDUCE = false;
layout(constant_id = 2) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y_ { float y[]; };
layout(push_constant) uniform Push { uint n, F, K; };  // n: elements of y

void main() {
  const uint i = linear_invocation();
  if (i >= n) return;
  const uint row = i / F, f = i - row * F;
  if (!REDUCE) {
    y[i] = x[(row / K) * F + f];
    return;
  }
  float sum = 0.0;
  for (uint k = 0; k < K; ++k) sum += x[(row * K + k) * F + f];
  y[i] = ACCUMULATE ? y[i] + sum : sum;
}
