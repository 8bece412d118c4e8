#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// x (N,C,H,W) · w (K,C,R,S) → y (N,K,P,Q) = act(conv + bias (K)), or y += … (ACCUMULATE), as
// conv_forward.comp, for a narrow weight on a CPU device: few taps C·R·S per output channel (a
// one-channel 3×3 layer has 9). There conv_forward runs tap by tap, updating TM×TN accumulators
// that llvmpipe keeps in memory; here a lane gathers the whole input window of its runs of four
// positions once (x, like the bias or gate, is a texel buffer: one vector gather a value on
// lavapipe), then for each of the workgroup's TM output channels makes each run in a register,
// tap after tap, and stores it. The kernel size and channel count are specialization constants,
// so every loop over taps unrolls.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 32;      // output channels a workgroup
layout(constant_id = 2) const uint RUNS = 4;     // runs of four positions a lane, LOCAL_SIZE runs apart
layout(constant_id = 7) const bool VEC4_STORES = false;
layout(constant_id = 10) const uint KR = 3;      // R
layout(constant_id = 11) const uint KS = 3;      // S
layout(constant_id = 12) const uint CHANNELS = 1;  // C
layout(local_size_x_id = 0) in;

layout(set = 0, binding = 0) uniform textureBuffer x_tex;
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(set = 0, binding = 2) uniform textureBuffer epilogue_in;  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer Y_ { float y[]; };
layout(std430, set = 0, binding = 3) buffer Y4_ { vec4 y4[]; };

#include "conv_geometry.glsl"
#include "conv_window.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"
float epilogue_value(uint i) { return texelFetch(epilogue_in, int(i)).x; }
vec4 epilogue_run(uint i4) {
  vec4 run;
  for (uint e = 0; e < 4; ++e) run[e] = epilogue_value(4 * i4 + e);
  return run;
}
#include "conv_store_run.glsl"

const uint TAPS = CHANNELS * KR * KS;  // tap t = (c·R + r)·S + s, the weights' own order

void main() {
  const uint PQ = P * Q, total = N * PQ;
  const uint k0 = gl_WorkGroupID.y * TM;
  const uint run0 = gl_WorkGroupID.x * (LOCAL_SIZE * RUNS) + gl_LocalInvocationID.x;

  // The input windows of the lane's 4·RUNS positions (clamped to the last one; outside the image
  // they read as zero).
  vec4 xv[TAPS][RUNS];
  for (uint g = 0; g < RUNS; ++g) {
    for (uint e = 0; e < 4; ++e) {
      const uint pos = min((run0 + g * LOCAL_SIZE) * 4 + e, total - 1);
      const uint n = pos / PQ, pq = pos - n * PQ, p = pq / Q, q = pq - p * Q;
      const int ih0 = int(p * stride) - int(pad), iw0 = int(q * stride) - int(pad);
      for (uint r = 0; r < KR; ++r) {
        const int ih = ih0 + int(r);
        for (uint s = 0; s < KS; ++s) {
          for (uint c = 0; c < CHANNELS; ++c) xv[(c * KR + r) * KS + s][g][e] = window_value(n, ih, iw0 + int(s), c);
        }
      }
    }
  }

  // Every weight of the TM channels, a channel at a time: one loop over all TM·TAPS values is
  // too long for NIR to unroll, and the weights then sat in a dynamically indexed array.
  float wv[TM][TAPS];
  for (uint i = 0; i < TM; ++i) {
    LOAD_UNIFORM(float, wv[i], TAPS, t, w[min(k0 + i, K - 1) * TAPS + t]);
  }
  float bias[TM];
  LOAD_UNIFORM(float, bias, TM, i, HAS_BIAS ? epilogue_value(min(k0 + i, K - 1)) : 0.0);

  for (uint g = 0; g < RUNS; ++g) {
    const uint first = (run0 + g * LOCAL_SIZE) * 4;
    if (first >= total) break;
    for (uint i = 0; i < TM; ++i) {
      if (k0 + i >= K) break;  // constant trip count: the loops unroll
      // The taps in conv_forward's order (r, s outer, c inner), so both sum alike.
      vec4 value = vec4(0.0);
      for (uint r = 0; r < KR; ++r) {
        for (uint s = 0; s < KS; ++s) {
          for (uint c = 0; c < CHANNELS; ++c) {
            const uint t = (c * KR + r) * KS + s;
            value = fma(vec4(wv[i][t]), xv[t][g], value);
          }
        }
      }
      store_run(first, k0 + i, value, bias[i]);
    }
  }
}
