#version 450
#extension GL_GOOGLE_include_directive : require
// param, grad, buf (n) → one SGD step with momentum (PyTorch's semantics):
//   g ← clip·grad + wd·param
//   buf ← g at the first step, else momentum·buf + (1 − dampening)·g
//   g ← g + momentum·buf (Nesterov) or buf;  param ← param − lr·g

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool NESTEROV = false;
layout(constant_id = 4) const uint ITEMS = 4;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) buffer P_ { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer G_ { float grad[]; };
layout(std430, set = 0, binding = 2) buffer B_ { float buf[]; };
layout(push_constant) uniform Push { uint n; };

#define OPTIMIZER_BINDING 3
#include "optimizer.glsl"

void main() {
  if (GUARD && nonfinite != 0u) return;
  const float coef = clip_coefficient();
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  bool bad = false;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i >= n) break;
    const float p = param[i];
    float g = grad[i] * coef + weight_decay * p;
    if (momentum != 0.0) {
      const float b = step <= 1u ? g : momentum * buf[i] + (1.0 - dampening) * g;
      buf[i] = b;
      g = NESTEROV ? g + momentum * b : b;
      bad = bad || not_finite(b);
    }
    const float updated = p - lr * g;
    param[i] = updated;
    bad = bad || not_finite(updated);
  }
  if (bad) atomicOr(nonfinite, UPDATE_BIT);
}
