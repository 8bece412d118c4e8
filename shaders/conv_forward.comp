#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// x (N,C,H,W) · w (K,C,R,S) → y (N,K,P,Q) = act(conv + bias (K)), or y += … (ACCUMULATE)
//
// As in gemm.comp: a workgroup owns TM output channels, so weight loads are uniform; each lane
// owns TN output positions in runs of four consecutive ones (TN/4 runs, LOCAL_SIZE runs apart),
// accumulated as vec4s. For each tap (r,s) a lane works out its input offsets and bounds once,
// then runs down the C input channels.
//
// VEC4_STORES (P·Q % 4 == 0, output and gate 16-byte aligned): a run is stored as one vec4
// (conv_store_run.glsl). With one input channel an output costs nine FMAs, and on lavapipe its
// scalar store had cost more than they did.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 4;  // a multiple of 4
layout(constant_id = 7) const bool VEC4_STORES = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer Epilogue_ { float epilogue_in[]; };  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 2) readonly buffer Epilogue4_ { vec4 epilogue_in4[]; };
layout(std430, set = 0, binding = 3) buffer Y_ { float y[]; };
layout(std430, set = 0, binding = 3) buffer Y4_ { vec4 y4[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"
float epilogue_value(uint i) { return epilogue_in[i]; }
vec4 epilogue_run(uint i4) { return epilogue_in4[i4]; }
#include "conv_store_run.glsl"

const uint RUNS = TN / 4;

void main() {
  const uint PQ = P * Q, HW = H * W, CRS = C * R * S, total = N * PQ;
  const uint k0 = gl_WorkGroupID.y * TM;
  // Run g of this lane starts at position (run0 + g·LOCAL_SIZE)·4; slot j = 4g + e.
  const uint run0 = gl_WorkGroupID.x * (LOCAL_SIZE * RUNS) + gl_LocalInvocationID.x;
  int ih0[TN], iw0[TN];
  uint xbase[TN];
  for (uint j = 0; j < TN; ++j) {
    const uint pos = min((run0 + (j / 4) * LOCAL_SIZE) * 4 + j % 4, total - 1);
    const uint n = pos / PQ, pq = pos - n * PQ, p = pq / Q, q = pq - p * Q;
    ih0[j] = int(p * stride) - int(pad);
    iw0[j] = int(q * stride) - int(pad);
    xbase[j] = n * C * HW;
  }
  vec4 acc[TM][RUNS];
  for (uint i = 0; i < TM; ++i) {
    for (uint g = 0; g < RUNS; ++g) acc[i][g] = vec4(0.0);
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
        vec4 xv[RUNS];
        for (uint j = 0; j < TN; ++j) xv[j / 4][j % 4] = valid[j] ? x[at[j] + c * HW] : 0.0;
        float wv[TM];
        LOAD_UNIFORM(float, wv, TM, i, w[min(k0 + i, K - 1) * CRS + c * R * S + tap]);
        for (uint i = 0; i < TM; ++i) {
          for (uint g = 0; g < RUNS; ++g) acc[i][g] = fma(vec4(wv[i]), xv[g], acc[i][g]);
        }
      }
    }
  }

  float bias[TM];
  LOAD_UNIFORM(float, bias, TM, i, HAS_BIAS ? epilogue_in[min(k0 + i, K - 1)] : 0.0);
  for (uint g = 0; g < RUNS; ++g) {
    const uint first = (run0 + g * LOCAL_SIZE) * 4;
    if (first >= total) break;
    for (uint i = 0; i < TM; ++i) {
      if (k0 + i >= K) break;  // constant trip count: unrolled, acc stays in registers
      store_run(first, k0 + i, acc[i][g], bias[i]);
    }
  }
}
