#version 450
#extension GL_GOOGLE_include_directive : require
// dy (N,K,P,Q) · w (K,C,R,S) → dx (N,C,H,W) = act(Σ + bias (C)), or dx += … (ACCUMULATE):
// Conv2d's input gradient, and ConvTranspose2d's forward (weights (Cin,Cout,R,S) read as K=Cin).
//
// A workgroup owns TM channels c, each lane TN positions (n,h,w). For each tap (r,s) a lane
// finds which output p (if any) read it — h + pad − r must be a non-negative multiple of the
// stride below P·stride — then runs down the K channels of dy.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 4;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer DY_ { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias_ { float bias[]; };
layout(std430, set = 0, binding = 3) buffer DX_ { float dx[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"

void main() {
  const uint PQ = P * Q, HW = H * W, total = N * HW;
  const uint c0 = gl_WorkGroupID.y * TM;
  const uint pos0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  int h_pad[TN], w_pad[TN];
  uint ybase[TN];
  for (uint j = 0; j < TN; ++j) {
    const uint pos = min(pos0 + j * LOCAL_SIZE, total - 1);
    const uint n = pos / HW, hw = pos - n * HW, h = hw / W, ww = hw - h * W;
    h_pad[j] = int(h + pad);
    w_pad[j] = int(ww + pad);
    ybase[j] = n * K * PQ;
  }
  uint wcol[TM];
  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i) {
    wcol[i] = min(c0 + i, C - 1) * R * S;
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;
  }

  for (uint r = 0; r < R; ++r) {
    for (uint s = 0; s < S; ++s) {
      bool valid[TN];
      uint at[TN];
      for (uint j = 0; j < TN; ++j) {
        const int ph = h_pad[j] - int(r), pw = w_pad[j] - int(s);
        const uint p = uint(ph) / stride, q = uint(pw) / stride;
        valid[j] = ph >= 0 && pw >= 0 && uint(ph) == p * stride && uint(pw) == q * stride && p < P && q < Q;
        at[j] = valid[j] ? ybase[j] + p * Q + q : 0u;
      }
      const uint tap = r * S + s;
      for (uint k = 0; k < K; ++k) {
        float dv[TN];
        for (uint j = 0; j < TN; ++j) dv[j] = valid[j] ? dy[at[j] + k * PQ] : 0.0;
        for (uint i = 0; i < TM; ++i) {
          const float wv = w[k * C * R * S + wcol[i] + tap];
          for (uint j = 0; j < TN; ++j) acc[i][j] = fma(wv, dv[j], acc[i][j]);
        }
      }
    }
  }

  for (uint j = 0; j < TN; ++j) {
    const uint pos = pos0 + j * LOCAL_SIZE;
    if (pos >= total) break;
    const uint n = pos / HW, hw = pos - n * HW;
    for (uint i = 0; i < TM; ++i) {
    if (c0 + i >= C) break;  // constant trip count: unrolled, acc stays in registers
      const uint o = (n * C + c0 + i) * HW + hw;
      dx[o] = gemm_finish(acc[i][j], c0 + i, ACCUMULATE ? dx[o] : 0.0);
    }
  }
}
