#version 450
#extension GL_GOOGLE_include_directive : require
// x (N,C,H,W) · w (K,C,R,S) → y (N,K,P,Q) = act(conv + bias (K)), or y += … (ACCUMULATE), gated
// on request (gemm_epilogue.glsl) — conv_forward's work as an implicit GEMM through shared
// memory, the GPU profile's kernel for layers of 16 output channels or more:
//   rows m = (n, p, q) over the N·P·Q output positions, columns the K output channels, the sum
//   over k = (c, r, s), the C·R·S taps; A(m, k) = x[n, c, p·stride − pad + r, q·stride − pad + s]
//   (0 outside the image: padding), B(k, n) = w[n, c, r, s].
// Blocks of 64 positions × 64 channels, K slabs of 16, or 128 × 32 and slabs of 8 for few taps
// (tiled_product.glsl; the host's choice): consecutive
// invocations load consecutive positions of A (coalesced along q) and consecutive taps of B
// (contiguous in w), in vec4s with W_IN_QUADS (the host's choice: C·R·S a multiple of 4, w bound
// on 16 bytes).

layout(local_size_x = 128) in;
layout(constant_id = 10) const bool W_IN_QUADS = false;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt4_ { vec4 w4[]; };  // w again, as vec4s
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer Y_ { float y[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"

const bool TILE_ROW_SUMS = false;
#include "im2col.glsl"
float tile_a(uint m, uint k) { return im2col(m, k); }
float tile_b(uint k, uint n) { return w[n * (C * R * S) + k]; }
#define TILE_B_QUADS W_IN_QUADS
vec4 tile_b4(uint k, uint n) { return w4[(n * (C * R * S) + k) / 4]; }
#include "tiled_product.glsl"

void main() {
  const uint t = gl_LocalInvocationID.x, tr = t / 16, tc = t % 16;
  const uint PQ = P * Q, M = N * PQ;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  float acc[RM][RN];
  float unused[RM];
  tiled_product(M, K, 0, C * R * S, false, false, m0, n0, acc, unused);

  float bias[RN];
  for (uint j = 0; j < RN; ++j) bias[j] = HAS_BIAS ? epilogue_in[min(n0 + tc + 16 * j, K - 1)] : 0.0;
  for (uint i = 0; i < RM; ++i) {
    const uint m = m0 + tr + 8 * i;
    const uint n = m / PQ, pq = m % PQ;
    for (uint j = 0; j < RN; ++j) {
      const uint k = n0 + tc + 16 * j;
      if (m < M && k < K) {  // a flag, not a break: the loops keep their constant trip counts
        const uint at = (n * K + k) * PQ + pq;
        y[at] = epilogue(acc[i][j], bias[j], GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? y[at] : 0.0);
      }
    }
  }
}
