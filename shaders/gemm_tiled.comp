#version 450
#extension GL_GOOGLE_include_directive : require
// A (M,K) · B (K,N) → C (M,N), any strides; + bias (N), activation, gate, accumulation, A's row
// sums (gemm_epilogue.glsl, as gemm.comp) — the GPU profile's GEMM, through shared memory.
//
// A workgroup of 128 invocations makes a 64×64 block of C; invocation (tr, tc) = (t / 16, t % 16)
// holds rows tr + 8i (i < 8) and columns tc + 16j (j < 4): 32 accumulators, within any GPU's
// registers. K goes in slabs of 16: the slab's A block (64×16) and B block (16×64) are loaded
// once by the whole workgroup into shared memory (8 KiB), each invocation loading 8 values of
// each, consecutive invocations reading consecutive addresses along whichever dimension has
// stride 1 (coalesced); then every invocation reads its 8 rows and 4 columns from there for 16
// FMAs a value. Neighbouring invocations read neighbouring columns of Bs (no bank conflicts) and
// one row of As (a broadcast). The sum over k runs in order, as in gemm.comp.
//
// Single-buffered (two barriers a slab): double buffering needs 16 KiB, all a device must have.

// 128: the fewest invocations a workgroup may have on any device (maxComputeWorkGroupInvocations).
layout(local_size_x = 128) in;
// ROW_SUMS (with binding 4): also row_sums[m] = Σ_k A(m,k), or += with ACCUMULATE, made by the
// first column of workgroups from the slabs they load anyway (over k in order).
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

const uint BM = 64, BN = 64, BK = 16, RM = 8, RN = 4;

shared float As[BK][BM];
shared float Bs[BK][BN];

void main() {
  const uint t = gl_LocalInvocationID.x, tr = t / 16, tc = t % 16;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  // Which of A and B runs along k in memory decides how a slab is read.
  const bool a_along_k = sak == 1, b_along_n = sbn == 1;
  float acc[RM][RN];
  float row_sum[RM];
  for (uint i = 0; i < RM; ++i) {
    row_sum[i] = 0.0;
    for (uint j = 0; j < RN; ++j) acc[i][j] = 0.0;
  }

  for (uint k0 = 0; k0 < K; k0 += BK) {
    for (uint q = 0; q < BM * BK / 128; ++q) {
      const uint e = t + 128 * q;
      const uint row = a_along_k ? e / BK : e % BM, kk = a_along_k ? e % BK : e / BM;
      const uint m = m0 + row, k = k0 + kk;
      As[kk][row] = m < M && k < K ? a[m * sam + k * sak] : 0.0;
    }
    for (uint q = 0; q < BK * BN / 128; ++q) {
      const uint e = t + 128 * q;
      const uint col = b_along_n ? e % BN : e / BK, kk = b_along_n ? e / BN : e % BK;
      const uint n = n0 + col, k = k0 + kk;
      Bs[kk][col] = n < N && k < K ? b[k * sbk + n * sbn] : 0.0;
    }
    barrier();
    for (uint kk = 0; kk < BK; ++kk) {
      float av[RM], bv[RN];
      for (uint i = 0; i < RM; ++i) av[i] = As[kk][tr + 8 * i];
      for (uint j = 0; j < RN; ++j) bv[j] = Bs[kk][tc + 16 * j];
      for (uint i = 0; i < RM; ++i) {
        if (ROW_SUMS) row_sum[i] += av[i];  // zeros past K add nothing
        for (uint j = 0; j < RN; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
      }
    }
    barrier();  // the next slab overwrites As and Bs
  }

  float bias[RN];
  for (uint j = 0; j < RN; ++j) bias[j] = HAS_BIAS ? epilogue_in[min(n0 + tc + 16 * j, N - 1)] : 0.0;
  for (uint i = 0; i < RM; ++i) {
    const uint m = m0 + tr + 8 * i;
    for (uint j = 0; j < RN; ++j) {
      const uint n = n0 + tc + 16 * j;
      if (m < M && n < N) {  // a flag, not a break: the loops keep their constant trip counts
        const uint at = m * scm + n;
        c[at] = epilogue(acc[i][j], bias[j], GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? c[at] : 0.0);
      }
    }
  }

  if (ROW_SUMS && gl_WorkGroupID.x == 0 && tc == 0) {
    for (uint i = 0; i < RM; ++i) {
      const uint m = m0 + tr + 8 * i;
      if (m < M) row_sums[m] = ACCUMULATE ? row_sums[m] + row_sum[i] : row_sum[i];
    }
  }
}
