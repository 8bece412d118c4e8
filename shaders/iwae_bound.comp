#version 450
#extension GL_GOOGLE_include_directive : require
// The importance-weighted bound of K samples per example (rows b·K … b·K + K − 1), one
// invocation an example: log w = −ℓ + Σ_j (ε² − z² + log σ²)/2 over the L latents, then
//   WEIGHTS false: out (B) = −log (1/K Σ_k w_k), by a max-shifted log-sum-exp;
//   WEIGHTS true:  out (B·K) = weight · softmax_k(log w): the gradient with respect to ℓ.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const bool WEIGHTS = false;
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer T_ { float terms[]; };
layout(std430, set = 0, binding = 1) readonly buffer Z_ { float z[]; };
layout(std430, set = 0, binding = 2) readonly buffer E_ { float eps[]; };
layout(std430, set = 0, binding = 3) readonly buffer V_ { float logvar[]; };
layout(std430, set = 0, binding = 4) readonly buffer W_ { float weight[]; };
layout(std430, set = 0, binding = 5) writeonly buffer O_ { float out_[]; };
layout(push_constant) uniform Push { uint B, K, L; };

float log_weight(uint r) {
  float s = 0.0;
  for (uint j = 0; j < L; ++j) {
    const uint i = r * L + j;
    s += eps[i] * eps[i] - z[i] * z[i] + logvar[i];
  }
  return 0.5 * s - terms[r];
}

void main() {
  const uint b = linear_invocation();
  if (b >= B) return;
  float m = -1.0 / 0.0;
  for (uint k = 0; k < K; ++k) m = max(m, log_weight(b * K + k));
  float sum = 0.0;
  for (uint k = 0; k < K; ++k) sum += exp(log_weight(b * K + k) - m);
  if (!WEIGHTS) {
    out_[b] = -(m + log(sum) - log(float(K)));
    return;
  }
  const float w = weight[0] / sum;
  for (uint k = 0; k < K; ++k) out_[b * K + k] = w * exp(log_weight(b * K + k) - m);
}
