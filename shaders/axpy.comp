#version 450
#extension GL_GOOGLE_include_directive : require
// x (n), y (n) → y = alpha·x + y

// Each invocation handles ITEMS elements, LOCAL_SIZE apart (neighbouring lanes touch neighbouring
// words on real GPUs): fewer, fatter invocations suit lavapipe, where every workgroup is a
// coroutine and per-invocation overhead dominates tiny ops.
layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint ITEMS = 1;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };

layout(push_constant) uniform Push {
  uint n;
  float alpha;
};

void main() {
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i < n) y[i] = fma(alpha, x[i], y[i]);
  }
}
