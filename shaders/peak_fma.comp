#version 450
// out (groups·128) ← the device's fused multiply-add peak, for benchmarks: each invocation runs
// 16 independent chains of `iterations` FMAs on values the compiler cannot fold (they depend on
// a push constant and the invocation), and stores their sum, so nothing of it is dead code.

layout(local_size_x = 128) in;

layout(std430, set = 0, binding = 0) writeonly buffer Out_ { float out_[]; };
layout(push_constant) uniform Push {
  uint iterations;
  float seed;
};

void main() {
  const float x = seed * float(gl_LocalInvocationID.x + 1), y = 1.0 - seed * 1e-3;
  float chain[16];
  for (uint i = 0; i < 16; ++i) chain[i] = x + float(i);
  for (uint n = 0; n < iterations; ++n) {
    for (uint i = 0; i < 16; ++i) chain[i] = fma(chain[i], y, x);
  }
  float sum = 0.0;
  for (uint i = 0; i < 16; ++i) sum += chain[i];
  out_[gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 128] = sum;
}
