#version 450
// prediction (B,D), target (B,D) → loss (B) = Σ_d ℓ(prediction, target)
//   LOSS 0: BCE with logits, ℓ = max(p,0) − p·t + log(1 + e^−|p|)  (stable for any p)
//   LOSS 1: squared error,   ℓ = (p − t)²
// One invocation per example sums its row in a fixed order: deterministic, no atomics.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint LOSS = 0;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer P_ { float prediction[]; };
layout(std430, set = 0, binding = 1) readonly buffer T_ { float target[]; };
layout(std430, set = 0, binding = 2) writeonly buffer L_ { float loss[]; };
layout(push_constant) uniform Push { uint B, D; };

void main() {
  const uint b = gl_GlobalInvocationID.x;
  if (b >= B) return;
  float total = 0.0;
  for (uint d = 0; d < D; ++d) {
    const float p = prediction[b * D + d], t = target[b * D + d];
    if (LOSS == 0) {
      total += max(p, 0.0) - p * t + log(1.0 + exp(-abs(p)));
    } else {
      const float e = p - t;
      total += e * e;
    }
  }
  loss[b] = total;
}
