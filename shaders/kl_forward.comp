#version 450
// μ (B,J), log σ² (B,J) → KL(N(μ,σ²) ‖ N(0,I)) (B) = −½ Σ_j (1 + log σ² − μ² − σ²)

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer M_ { float mu[]; };
layout(std430, set = 0, binding = 1) readonly buffer V_ { float logvar[]; };
layout(std430, set = 0, binding = 2) writeonly buffer K_ { float kl[]; };
layout(push_constant) uniform Push { uint B, J; };

void main() {
  const uint b = gl_GlobalInvocationID.x;
  if (b >= B) return;
  float total = 0.0;
  for (uint j = 0; j < J; ++j) {
    const float m = mu[b * J + j], v = logvar[b * J + j];
    total += 1.0 + v - m * m - exp(v);
  }
  kl[b] = -0.5 * total;
}
