#version 450
#extension GL_GOOGLE_include_directive : require
// dy (N,K,P,Q) · w (K,C,R,S) → dx (N,C,H,W) = act(Σ + bias (C)), or dx += … (ACCUMULATE), gated
// on request: Conv2d's input gradient and ConvTranspose2d's forward (weights (Cin,Cout,R,S) read
// as K=Cin) as an implicit GEMM through shared memory, the GPU profile's kernel for layers with
// 16 channels of dx or more. As in conv_backward_data.comp, positions split into stride²
// sub-pixel phases (grid z) by (h + pad) mod stride, within which exactly the taps
// r ≡ phase (mod stride) contribute; a phase is one GEMM:
//   rows m = (n, u, v), the phase's positions h = u·stride + ph − pad, w = v·stride + pw − pad
//     (rows outside the image are computed and not stored);
//   columns the C channels of dx; the sum over k = (k, j, i), the K channels of dy and the
//     phase's taps r = ph + j·stride, s = pw + i·stride;
//   A(m, k) = dy[n, k, u − j, v − i] (0 outside dy), B(k, c) = w[k, c, r, s].
// Blocks of 64 positions × 64 channels and slabs of 16, or 128 × 32 and slabs of 8 for few
// channels or taps (tiled_product.glsl; the host's choice).

layout(local_size_x = 128) in;

layout(std430, set = 0, binding = 0) readonly buffer DY_ { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer DX_ { float dx[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"

// This workgroup's phase (ph, pw), its taps along each axis (taps_r × taps_s), and the rows U and
// columns V of positions a phase spans.
uint ph, pw, taps_r, taps_s, U, V;

const bool TILE_ROW_SUMS = false;
float tile_a(uint m, uint k) {
  const uint n = m / (U * V), uv = m % (U * V), u = uv / V, v = uv % V;
  const uint kk = k / (taps_r * taps_s), ji = k % (taps_r * taps_s), j = ji / taps_s, i = ji % taps_s;
  // Unsigned: a row or column before dy wraps round to a large value, outside too.
  const uint p = u - j, q = v - i;
  return p < P && q < Q ? dy[((n * K + kk) * P + p) * Q + q] : 0.0;
}
float tile_b(uint k, uint c) {
  const uint kk = k / (taps_r * taps_s), ji = k % (taps_r * taps_s), j = ji / taps_s, i = ji % taps_s;
  return w[((kk * C + c) * R + ph + j * stride) * S + pw + i * stride];
}
#include "tiled_product.glsl"

void main() {
  const uint t = gl_LocalInvocationID.x, lr = t / 16, lc = t % 16;
  ph = gl_WorkGroupID.z / stride;
  pw = gl_WorkGroupID.z % stride;
  taps_r = ph < R ? (R - ph + stride - 1) / stride : 0;
  taps_s = pw < S ? (S - pw + stride - 1) / stride : 0;
  U = (H + pad + stride - 1) / stride;
  V = (W + pad + stride - 1) / stride;
  const uint M = N * U * V;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  float acc[RM][RN];
  float unused[RM];
  tiled_product(M, C, 0, K * taps_r * taps_s, false, false, m0, n0, acc, unused);

  float bias[RN];
  for (uint j = 0; j < RN; ++j) bias[j] = HAS_BIAS ? epilogue_in[min(n0 + lc + 16 * j, C - 1)] : 0.0;
  for (uint i = 0; i < RM; ++i) {
    const uint m = m0 + lr + 8 * i;
    const uint n = m / (U * V), uv = m % (U * V);
    // Unsigned: a position before the image wraps round to a large value, outside too.
    const uint h = (uv / V) * stride + ph - pad, wi = (uv % V) * stride + pw - pad;
    for (uint j = 0; j < RN; ++j) {
      const uint c = n0 + lc + 16 * j;
      if (m < M && c < C && h < H && wi < W) {  // a flag, not a break: the loops keep their constant trip counts
        const uint at = ((n * C + c) * H + h) * W + wi;
        dx[at] = epilogue(acc[i][j], bias[j], GATED ? epilogue_in[at] : 0.0, ACCUMULATE ? dx[at] : 0.0);
      }
    }
  }
}
