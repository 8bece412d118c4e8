#version 450
#extension GL_GOOGLE_include_directive : require
// dw (K,C,R,S) = Σ over output positions of dy (N,K,P,Q) ⊗ the input window of x (N,C,H,W) —
// conv_backward_weight's work as an implicit GEMM through shared memory, the GPU profile's
// kernel for layers of 16 channels and 8 taps or more:
//   rows the K output channels, columns the C·R·S taps, the sum over output positions
//   (n, p, q); A(k, pos) = dy[n, k, p, q], B(pos, (c, r, s)) = x[n, c, p·stride − pad + r,
//   q·stride − pad + s] (0 outside the image).
// Blocks of 64 channels × 64 taps and slabs of 16 positions, or 32 × 16 and slabs of 32 for
// few taps (tiled_product.glsl; the host's choice). Split z (workgroup z) takes `chunk` output
// rows (n, p) and, with several splits, writes its partial sums to partials[z·K·C·R·S + …] for
// the pass that adds them up (and the bias gradient); with one split it writes dw, adding to it
// with ACCUMULATE.

layout(local_size_x = 128) in;
layout(constant_id = 3) const bool ACCUMULATE = false;

layout(std430, set = 0, binding = 0) readonly buffer Dy_ { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 2) buffer Dw_ { float dw[]; };  // or the splits' partial sums

#include "conv_geometry.glsl"

const bool TILE_ROW_SUMS = false;
float tile_a(uint k, uint pos) {
  const uint PQ = P * Q;
  return dy[((pos / PQ) * K + k) * PQ + pos % PQ];
}
#include "im2col.glsl"
float tile_b(uint pos, uint tap) { return im2col(pos, tap); }
#include "tiled_product.glsl"

void main() {
  const uint t = gl_LocalInvocationID.x, tr = t / 16, tc = t % 16;
  const uint taps = C * R * S, split = gl_WorkGroupID.z;
  const uint first = split * chunk * Q, last = min(N * P, (split + 1) * chunk) * Q;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  float acc[RM][RN];
  float unused[RM];
  tiled_product(K, taps, first, last, true, true, m0, n0, acc, unused);

  const bool partial = gl_NumWorkGroups.z > 1;
  for (uint i = 0; i < RM; ++i) {
    const uint k = m0 + tr + 8 * i;
    for (uint j = 0; j < RN; ++j) {
      const uint tap = n0 + tc + 16 * j;
      if (k < K && tap < taps) {  // a flag, not a break: the loops keep their constant trip counts
        const uint at = (partial ? split * K * taps : 0) + k * taps + tap;
        dw[at] = ACCUMULATE && !partial ? dw[at] + acc[i][j] : acc[i][j];
      }
    }
  }
}
