#version 450
#extension GL_GOOGLE_include_directive : require
// param, grad, m, v (n) → one Adam or AdamW step (PyTorch's semantics):
//   g ← clip·grad (+ wd·param for Adam);  param ← param·(1 − lr·wd) for AdamW
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   param ← param − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + eps)

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool DECOUPLED = false;  // AdamW
layout(constant_id = 4) const uint ITEMS = 4;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) buffer P_ { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer G_ { float grad[]; };
layout(std430, set = 0, binding = 2) buffer M_ { float m[]; };
layout(std430, set = 0, binding = 3) buffer V_ { float v[]; };
layout(push_constant) uniform Push { uint n; };

#define OPTIMIZER_BINDING 4
#include "optimizer.glsl"

void main() {
  if (GUARD && nonfinite != 0u) return;
  const float t = float(step);
  const float bias_correction1 = 1.0 - pow(beta1, t);
  const float bias_correction2_sqrt = sqrt(1.0 - pow(beta2, t));
  const float step_size = lr / bias_correction1;
  const float coef = clip_coefficient();
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + gl_LocalInvocationID.x;
  bool bad = false;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i >= n) break;
    float p = param[i];
    float g = grad[i] * coef;
    if (DECOUPLED) {
      p *= 1.0 - lr * weight_decay;
    } else {
      g += weight_decay * p;
    }
    const float mi = beta1 * m[i] + (1.0 - beta1) * g;
    const float vi = beta2 * v[i] + (1.0 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const float updated = p - step_size * mi / (sqrt(vi) / bias_correction2_sqrt + eps);
    param[i] = updated;
    bad = bad || not_finite(updated) || not_finite(mi) || not_finite(vi);
  }
  if (bad) atomicOr(nonfinite, UPDATE_BIT);
}
