#version 450
#extension GL_GOOGLE_include_directive : require
// x (N,C,H,W) · w (K,C,R,S) → y (N,K,P,Q) = act(conv + bias (K)), or y += … (ACCUMULATE)
//
// As in gemm.comp: a workgroup owns TM output channels, so weight loads are uniform; each lane
// owns TN output positions LOCAL_SIZE apart. For each tap (r,s) a lane works out its input
// offset and bounds once, then runs down the C input channels.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 4;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer Y_ { float y[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"

void main() {
  const uint PQ = P * Q, HW = H * W, total = N * PQ;
  const uint k0 = gl_WorkGroupID.y * TM;
  const uint pos0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  int ih0[TN], iw0[TN];
  uint xbase[TN];
  for (uint j = 0; j < TN; ++j) {
    const uint pos = min(pos0 + j * LOCAL_SIZE, total - 1);
    const uint n = pos / PQ, pq = pos - n * PQ, p = pq / Q, q = pq - p * Q;
    ih0[j] = int(p * stride) - int(pad);
    iw0[j] = int(q * stride) - int(pad);
    xbase[j] = n * C * HW;
  }
  uint wrow[TM];
  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i) {
    wrow[i] = min(k0 + i, K - 1) * C * R * S;
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;
  }

  for (uint r = 0; r < R; ++r) {
    for (uint s = 0; s < S; ++s) {
      bool valid[TN];
      uint at[TN];
      for (uint j = 0; j < TN; ++j) {
        const int ih = ih0[j] + int(r), iw = iw0[j] + int(s);
        valid[j] = ih >= 0 && ih < int(H) && iw >= 0 && iw < int(W);
        at[j] = valid[j] ? xbase[j] + uint(ih) * W + uint(iw) : 0u;
      }
      const uint tap = r * S + s;
      for (uint c = 0; c < C; ++c) {
        float xv[TN];
        for (uint j = 0; j < TN; ++j) xv[j] = valid[j] ? x[at[j] + c * HW] : 0.0;
        for (uint i = 0; i < TM; ++i) {
          const float wv = w[wrow[i] + c * R * S + tap];
          for (uint j = 0; j < TN; ++j) acc[i][j] = fma(wv, xv[j], acc[i][j]);
        }
      }
    }
  }

  for (uint j = 0; j < TN; ++j) {
    const uint pos = pos0 + j * LOCAL_SIZE;
    if (pos >= total) break;
    const uint n = pos / PQ, pq = pos - n * PQ;
    for (uint i = 0; i < TM; ++i) {
    if (k0 + i >= K) break;  // constant trip count: unrolled, acc stays in registers
      const uint o = (n * K + k0 + i) * PQ + pq;
      y[o] = gemm_finish(acc[i][j], k0 + i, o, ACCUMULATE ? y[o] : 0.0);
    }
  }
}
