#version 450
#extension GL_GOOGLE_include_directive : require
// The second pass of a split-K product (gemm_tiled.comp with SPLIT_K): C(m,n) = epilogue of
// Σ_z partials[(z·M + m)·N + n] over the S slices in order (a fixed order: the same bits every
// run), and with ROW_SUMS row_sums[m] (+)= Σ_z row_partials[z·M + m]. One invocation an output.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(local_size_x_id = 0) in;
layout(constant_id = 6) const bool ROW_SUMS = false;

layout(std430, set = 0, binding = 0) readonly buffer Partials_ { float partials[]; };
layout(std430, set = 0, binding = 1) readonly buffer RowPartials_ { float row_partials[]; };  // ROW_SUMS only
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };   // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer C_ { float c[]; };
layout(std430, set = 0, binding = 4) buffer RowSums_ { float row_sums[]; };  // ROW_SUMS only

layout(push_constant) uniform Push {
  uint M, N, S;
  uint scm;  // C(m,n) = c[m*scm + n]
};

#include "activation.glsl"
#include "gemm_epilogue.glsl"

void main() {
  const uint i = gl_GlobalInvocationID.x;
  if (i >= M * N) return;
  const uint m = i / N, n = i % N;
  float sum = 0.0;
  for (uint z = 0; z < S; ++z) sum += partials[(z * M + m) * N + n];
  const uint at = m * scm + n;
  c[at] = epilogue(sum, HAS_BIAS ? epilogue_in[n] : 0.0, GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? c[at] : 0.0);
  if (ROW_SUMS && i < M) {
    float total = 0.0;
    for (uint z = 0; z < S; ++z) total += row_partials[z * M + i];
    row_sums[i] = ACCUMULATE ? row_sums[i] + total : total;
  }
}
