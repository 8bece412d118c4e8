#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// A (M,K) any strides · B (K,N) with N contiguous → C (M,N); N % 4 == 0, rows 16-byte aligned;
// + bias (N), activation, optional accumulation. Linear's input and weight gradients.
//
// Rows of C are shared by the workgroup (uniform loads of A); each lane owns TN vec4 columns.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 4;
layout(local_size_x_id = 0) in;
// ROW_SUMS (with binding 4): also row_sums[m] = Σ_k A(m,k), or += with ACCUMULATE. With A = dzᵀ
// that is a weight-gradient product's bias gradient, made in the same pass: each workgroup adds
// up its TM rows as it loads them (one add per row and k beside TN FMAs per lane), and the first
// column of workgroups stores them. The sum runs over k in order.
layout(constant_id = 6) const bool ROW_SUMS = false;

layout(std430, set = 0, binding = 0) readonly buffer A_ { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B_ { vec4 b[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer C_ { vec4 c[]; };
layout(std430, set = 0, binding = 4) buffer RowSums_ { float row_sums[]; };  // ROW_SUMS only

layout(push_constant) uniform Push {
  uint M, N, K;
  uint sam, sak;
  uint sbk, sbn;  // B row stride sbk (elements, % 4 == 0); sbn = 1
  uint scm;       // C row stride (elements, % 4 == 0)
};

#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"

void main() {
  const uint N4 = N / 4;
  const uint m0 = gl_WorkGroupID.y * TM;
  const uint n0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  vec4 acc[TM][TN];
  uint col[TN];
  float row_sum[TM];
  for (uint i = 0; i < TM; ++i) {
    row_sum[i] = 0.0;
    for (uint j = 0; j < TN; ++j) acc[i][j] = vec4(0.0);
  }
  for (uint j = 0; j < TN; ++j) col[j] = min(n0 + j * LOCAL_SIZE, N4 - 1);

  const uint sbk4 = sbk / 4;
  for (uint k = 0; k < K; ++k) {
    vec4 bv[TN];
    for (uint j = 0; j < TN; ++j) bv[j] = b[k * sbk4 + col[j]];
    float av[TM];
    LOAD_UNIFORM(float, av, TM, i, a[min(m0 + i, M - 1) * sam + k * sak]);
    for (uint i = 0; i < TM; ++i) {
      if (ROW_SUMS) row_sum[i] += av[i];
      for (uint j = 0; j < TN; ++j) acc[i][j] = fma(vec4(av[i]), bv[j], acc[i][j]);
    }
  }

  // Each column's bias once, not once a row.
  vec4 bias[TN];
  for (uint j = 0; j < TN; ++j) {
    for (uint e = 0; e < 4; ++e) bias[j][e] = HAS_BIAS ? epilogue_in[min(n0 + j * LOCAL_SIZE, N4 - 1) * 4 + e] : 0.0;
  }
  for (uint i = 0; i < TM; ++i) {
    if (m0 + i >= M) break;  // constant trip count: unrolled, acc stays in registers
    for (uint j = 0; j < TN; ++j) {
      const uint n4 = n0 + j * LOCAL_SIZE;
      if (n4 >= N4) break;
      const uint at = (m0 + i) * (scm / 4) + n4;
      const vec4 previous = ACCUMULATE ? c[at] : vec4(0.0);
      vec4 out_;
      for (uint e = 0; e < 4; ++e) out_[e] = epilogue(acc[i][j][e], bias[j][e], GATED ? epilogue_in[at * 4 + e] : 0.0, previous[e]);
      c[at] = out_;
    }
  }

  if (ROW_SUMS && gl_WorkGroupID.x == 0 && gl_LocalInvocationID.x == 0) {
    for (uint i = 0; i < TM; ++i) {
      if (m0 + i >= M) break;
      row_sums[m0 + i] = ACCUMULATE ? row_sums[m0 + i] + row_sum[i] : row_sum[i];
    }
  }
}
