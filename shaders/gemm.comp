#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// A (M,K) · B (K,N) → C (M,N), any strides; + bias (N), activation, optional accumulation.
//
// Tuned for lavapipe and correct everywhere: a workgroup owns TM rows of C, so every load of A
// has the same address in all lanes (one scalar load, not a gather); each lane owns TN columns
// spaced LOCAL_SIZE apart and keeps TM×TN accumulators in registers.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 8;
layout(local_size_x_id = 0) in;
// ROW_SUMS (with binding 4): also row_sums[m] = Σ_k A(m,k), or += with ACCUMULATE. With A = dzᵀ
// that is a weight-gradient product's bias gradient, made in the same pass: each workgroup adds
// up its TM rows as it loads them (one add per row and k beside TN FMAs per lane), and the first
// column of workgroups stores them. The sum runs over k in order.
layout(constant_id = 6) const bool ROW_SUMS = false;

layout(std430, set = 0, binding = 0) readonly buffer A_ { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B_ { float b[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer C_ { float c[]; };
layout(std430, set = 0, binding = 4) buffer RowSums_ { float row_sums[]; };  // ROW_SUMS only

layout(push_constant) uniform Push {
  uint M, N, K;
  uint sam, sak;  // A(m,k) = a[m*sam + k*sak]
  uint sbk, sbn;  // B(k,n) = b[k*sbk + n*sbn]
  uint scm;       // C(m,n) = c[m*scm + n]
};

#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"

void main() {
  const uint m0 = gl_WorkGroupID.y * TM;
  const uint n0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  float acc[TM][TN];
  uint col[TN];
  float row_sum[TM];
  for (uint i = 0; i < TM; ++i) {  // rows past M are clamped: they compute but never store
    row_sum[i] = 0.0;
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;
  }
  for (uint j = 0; j < TN; ++j) col[j] = min(n0 + j * LOCAL_SIZE, N - 1) * sbn;

  for (uint k = 0; k < K; ++k) {
    float bv[TN];
    for (uint j = 0; j < TN; ++j) bv[j] = b[k * sbk + col[j]];
    float av[TM];
    LOAD_UNIFORM(float, av, TM, i, a[min(m0 + i, M - 1) * sam + k * sak]);
    for (uint i = 0; i < TM; ++i) {
      if (ROW_SUMS) row_sum[i] += av[i];
      for (uint j = 0; j < TN; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }
  }

  // Each column's bias once, not once a row.
  float bias[TN];
  for (uint j = 0; j < TN; ++j) bias[j] = HAS_BIAS ? epilogue_in[min(n0 + j * LOCAL_SIZE, N - 1)] : 0.0;
  for (uint i = 0; i < TM; ++i) {
    if (m0 + i >= M) break;  // constant trip count: unrolled, acc stays in registers
    for (uint j = 0; j < TN; ++j) {
      const uint n = n0 + j * LOCAL_SIZE;
      if (n >= N) break;
      const uint at = (m0 + i) * scm + n;
      c[at] = epilogue(acc[i][j], bias[j], GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? c[at] : 0.0);
    }
  }

  if (ROW_SUMS && gl_WorkGroupID.x == 0 && gl_LocalInvocationID.x == 0) {
    for (uint i = 0; i < TM; ++i) {
      if (m0 + i >= M) break;
      row_sums[m0 + i] = ACCUMULATE ? row_sums[m0 + i] + row_sum[i] : row_sum[i];
    }
  }
}
