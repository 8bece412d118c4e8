#version 450
#extension GL_GOOGLE_include_directive : require
// A (M,K) · B (K,N) → C (M,N), any strides; + bias (N), activation, gate, accumulation, A's row
// sums (gemm_epilogue.glsl, as gemm.comp) — the GPU profile's GEMM, through shared memory.
//
// The block loop is tiled_product.glsl's in its square shape: 64×64 blocks of C, K slabs of 16
// through shared memory (double-buffered), 32 accumulators an invocation. A_IN_QUADS /
// B_IN_QUADS read an operand in vec4s along its contiguous dimension (the host's choice: stride
// 1 along it, the other stride, that extent and the binding's offset multiples of 4 floats).
//
// SPLIT_K: workgroup z of the dispatch's third dimension sums only k in [z·kslice, (z+1)·kslice)
// and stores its raw sums (no epilogue) to partials (binding 3) at (z·M + m)·N + n, and its row
// sums to binding 4 at z·M + m; gemm_split_reduce.comp adds the slices in order and applies the
// epilogue. For products with few blocks and a long K (weight gradients over a large batch),
// which would otherwise leave most of a GPU idle.

// 128: the fewest invocations a workgroup may have on any device (maxComputeWorkGroupInvocations).
layout(local_size_x = 128) in;
// ROW_SUMS (with binding 4): also row_sums[m] = Σ_k A(m,k), or += with ACCUMULATE, made by the
// first column of workgroups from the slabs they load anyway (over k in order).
layout(constant_id = 6) const bool ROW_SUMS = false;
layout(constant_id = 7) const bool SPLIT_K = false;
layout(constant_id = 10) const bool A_IN_QUADS = false;
layout(constant_id = 11) const bool B_IN_QUADS = false;

layout(std430, set = 0, binding = 0) readonly buffer A_ { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B_ { float b[]; };
layout(std430, set = 0, binding = 0) readonly buffer A4_ { vec4 a4[]; };  // A and B again, as vec4s
layout(std430, set = 0, binding = 1) readonly buffer B4_ { vec4 b4[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer C_ { float c[]; };
layout(std430, set = 0, binding = 4) buffer RowSums_ { float row_sums[]; };  // ROW_SUMS only

layout(push_constant) uniform Push {
  uint M, N, K;
  uint sam, sak;  // A(m,k) = a[m*sam + k*sak]
  uint sbk, sbn;  // B(k,n) = b[k*sbk + n*sbn]
  uint scm;       // C(m,n) = c[m*scm + n]
  uint kslice;    // SPLIT_K: k a workgroup sums (a multiple of BK)
};

#include "activation.glsl"
#include "gemm_epilogue.glsl"

const bool TILE_ROW_SUMS = ROW_SUMS;
float tile_a(uint m, uint k) { return a[m * sam + k * sak]; }
float tile_b(uint k, uint n) { return b[k * sbk + n * sbn]; }
#define TILE_A_QUADS A_IN_QUADS
#define TILE_B_QUADS B_IN_QUADS
vec4 tile_a4(uint m, uint k) { return a4[(m * sam + k * sak) / 4]; }
vec4 tile_b4(uint k, uint n) { return b4[(k * sbk + n * sbn) / 4]; }
#include "tiled_product.glsl"

void main() {
  const uint t = gl_LocalInvocationID.x, tr = t / 16, tc = t % 16;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  const uint slice = SPLIT_K ? gl_WorkGroupID.z : 0;
  const uint k_begin = SPLIT_K ? slice * kslice : 0, k_end = SPLIT_K ? min(K, k_begin + kslice) : K;
  float acc[RM][RN];
  float row_sum[RM];
  tiled_product(M, N, k_begin, k_end, sak == 1, sbn == 1, m0, n0, acc, row_sum);

  float bias[RN];
  for (uint j = 0; j < RN; ++j) bias[j] = HAS_BIAS ? epilogue_in[min(n0 + tc + 16 * j, N - 1)] : 0.0;
  for (uint i = 0; i < RM; ++i) {
    const uint m = m0 + tr + 8 * i;
    for (uint j = 0; j < RN; ++j) {
      const uint n = n0 + tc + 16 * j;
      if (m < M && n < N) {  // a flag, not a break: the loops keep their constant trip counts
        if (SPLIT_K) {
          c[(slice * M + m) * N + n] = acc[i][j];
        } else {
          const uint at = m * scm + n;
          c[at] = epilogue(acc[i][j], bias[j], GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? c[at] : 0.0);
        }
      }
    }
  }

  if (ROW_SUMS && gl_WorkGroupID.x == 0 && tc == 0) {
    for (uint i = 0; i < RM; ++i) {
      const uint m = m0 + tr + 8 * i;
      if (SPLIT_K) {
        if (m < M) row_sums[slice * M + m] = row_sum[i];
      } else if (m < M) {
        row_sums[m] = ACCUMULATE ? row_sums[m] + row_sum[i] : row_sum[i];
      }
    }
  }
}
