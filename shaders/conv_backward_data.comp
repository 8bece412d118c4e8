#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// dy (N,K,P,Q) · w (K,C,R,S) → dx (N,C,H,W) = act(Σ + bias (C)), or dx += … (ACCUMULATE):
// Conv2d's input gradient, and ConvTranspose2d's forward (weights (Cin,Cout,R,S) read as K=Cin).
//
// dx[h] gathers dy[p] for every tap r with h + pad − r = p·stride. Positions are split into
// stride² sub-pixel phases (grid z) by (h + pad) mod stride; within a phase exactly the taps
// r ≡ phase (mod stride) contribute, for every lane alike, so no lane multiplies by a masked
// tap. A workgroup owns TM channels c (weight loads are uniform), each lane TN positions.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 4;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer DY_ { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer DX_ { float dx[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"

void main() {
  const uint PQ = P * Q, HW = H * W;
  // This workgroup's phase: rows h with (h + pad) % stride == ph, columns likewise with pw.
  const uint ph = gl_WorkGroupID.z / stride, pw = gl_WorkGroupID.z % stride;
  const uint h0 = (ph + stride - pad % stride) % stride, w0 = (pw + stride - pad % stride) % stride;
  const uint Hc = h0 < H ? (H - h0 + stride - 1) / stride : 0u;
  const uint Wc = w0 < W ? (W - w0 + stride - 1) / stride : 0u;
  const uint count = N * Hc * Wc;
  if (count == 0u) return;  // uniform: the whole phase is empty

  const uint c0 = gl_WorkGroupID.y * TM;
  const uint pos0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  int hp[TN], wp[TN];  // h + pad, w + pad
  uint ybase[TN], xat[TN];
  for (uint j = 0; j < TN; ++j) {
    const uint pos = min(pos0 + j * LOCAL_SIZE, count - 1);
    const uint n = pos / (Hc * Wc), ij = pos - n * Hc * Wc, i = ij / Wc;
    const uint h = h0 + i * stride, ww = w0 + (ij - i * Wc) * stride;
    hp[j] = int(h + pad);
    wp[j] = int(ww + pad);
    ybase[j] = n * K * PQ;
    xat[j] = n * C * HW + h * W + ww;
  }
  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i) {
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;
  }

  for (uint r = ph; r < R; r += stride) {
    for (uint s = pw; s < S; s += stride) {
      bool valid[TN];
      uint at[TN];
      for (uint j = 0; j < TN; ++j) {
        const int p = (hp[j] - int(r)) / int(stride), q = (wp[j] - int(s)) / int(stride);  // exact
        valid[j] = p >= 0 && q >= 0 && p < int(P) && q < int(Q);
        at[j] = valid[j] ? ybase[j] + uint(p) * Q + uint(q) : 0u;
      }
      const uint tap = r * S + s;
      for (uint k = 0; k < K; ++k) {
        float dv[TN];
        for (uint j = 0; j < TN; ++j) dv[j] = valid[j] ? dy[at[j] + k * PQ] : 0.0;
        float wv[TM];
        LOAD_UNIFORM(float, wv, TM, i, w[(k * C + min(c0 + i, C - 1)) * R * S + tap]);
        for (uint i = 0; i < TM; ++i) {
          for (uint j = 0; j < TN; ++j) acc[i][j] = fma(wv[i], dv[j], acc[i][j]);
        }
      }
    }
  }

  float bias[TM];
  LOAD_UNIFORM(float, bias, TM, i, HAS_BIAS ? epilogue_in[min(c0 + i, C - 1)] : 0.0);
  for (uint j = 0; j < TN; ++j) {
    if (pos0 + j * LOCAL_SIZE >= count) break;
    for (uint i = 0; i < TM; ++i) {
      if (c0 + i >= C) break;  // constant trip count: unrolled, acc stays in registers
      const uint o = xat[j] + (c0 + i) * HW;
      dx[o] = epilogue(acc[i][j], bias[i], GATED ? epilogue_in[o] : 0.0, ACCUMULATE ? dx[o] : 0.0);
    }
  }
}
