#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// A (M,K) · B (N,K)ᵀ → C (M,N), K contiguous in A and B (K % 4 == 0, 16-byte aligned);
// + bias (N), activation, optional accumulation. The forward pass of Linear.
//
// As gemm.comp, but loads vec4s along K: a lane's gather of B fetches four k at once, and the
// four partial sums are folded only at the end.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 8;
layout(local_size_x_id = 0) in;
// ROW_SUMS (with binding 4): also row_sums[m] = Σ_k A(m,k), or += with ACCUMULATE. With A = dzᵀ
// that is a weight-gradient product's bias gradient, made in the same pass: each workgroup adds
// up its TM rows as it loads them (one add per row and k beside TN FMAs per lane), and the first
// column of workgroups stores them. The sum runs over k in order.
layout(constant_id = 6) const bool ROW_SUMS = false;

layout(std430, set = 0, binding = 0) readonly buffer A_ { vec4 a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B_ { vec4 b[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer C_ { float c[]; };
layout(std430, set = 0, binding = 4) buffer RowSums_ { float row_sums[]; };  // ROW_SUMS only

layout(push_constant) uniform Push {
  uint M, N, K;
  uint sam, sak;  // A row stride (elements); sak = 1
  uint sbk, sbn;  // sbk = 1; B row stride sbn (elements)
  uint scm;
};

#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"

void main() {
  const uint K4 = K / 4;
  const uint m0 = gl_WorkGroupID.y * TM;
  const uint n0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  vec4 acc[TM][TN];
  uint col[TN];
  float row_sum[TM];
  for (uint i = 0; i < TM; ++i) {
    row_sum[i] = 0.0;
    for (uint j = 0; j < TN; ++j) acc[i][j] = vec4(0.0);
  }
  for (uint j = 0; j < TN; ++j) col[j] = min(n0 + j * LOCAL_SIZE, N - 1) * (sbn / 4);

  for (uint k = 0; k < K4; ++k) {
    vec4 bv[TN];
    for (uint j = 0; j < TN; ++j) bv[j] = b[col[j] + k];
    vec4 av[TM];
    LOAD_UNIFORM(vec4, av, TM, i, a[min(m0 + i, M - 1) * (sam / 4) + k]);
    for (uint i = 0; i < TM; ++i) {
      if (ROW_SUMS) row_sum[i] += (av[i].x + av[i].y) + (av[i].z + av[i].w);
      for (uint j = 0; j < TN; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }
  }

  // Each column's bias once, not once a row.
  float bias[TN];
  for (uint j = 0; j < TN; ++j) bias[j] = HAS_BIAS ? epilogue_in[min(n0 + j * LOCAL_SIZE, N - 1)] : 0.0;
  for (uint i = 0; i < TM; ++i) {
    if (m0 + i >= M) break;  // constant trip count: the loop unrolls and acc stays in registers
    for (uint j = 0; j < TN; ++j) {
      const uint n = n0 + j * LOCAL_SIZE;
      if (n >= N) break;
      const uint at = (m0 + i) * scm + n;
      const vec4 s = acc[i][j];
      c[at] = epilogue((s.x + s.y) + (s.z + s.w), bias[j], GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? c[at] : 0.0);
    }
  }

  if (ROW_SUMS && gl_WorkGroupID.x == 0 && gl_LocalInvocationID.x == 0) {
    for (uint i = 0; i < TM; ++i) {
      if (m0 + i >= M) break;
      row_sums[m0 + i] = ACCUMULATE ? row_sums[m0 + i] + row_sum[i] : row_sum[i];
    }
  }
}
