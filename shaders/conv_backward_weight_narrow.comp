#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// dw (K,C,R,S) as conv_backward_weight.comp, for a narrow weight on a CPU device: few taps C·R·S
// per output channel (a one-channel 3×3 layer has 9). There conv_backward_weight spreads the taps
// over lanes, so most lanes idle and every dy value is a shared load; here the lanes split the
// reduction instead. A lane takes runs of RUN consecutive positions of one image, gathers their
// RUN·TAPS input values once, then for each of TM output channels loads the run's RUN dy values
// and adds them into TM·TAPS accumulators (every weight of those channels). At the end the
// workgroup adds its lanes' sums in lane order: a fixed order, so the same bits every time.
//
// dy and x are uniform texel buffers: on lavapipe a texelFetch is one vector gather, where a
// storage-buffer load is a loop over the lanes (docs/ARCHITECTURE.md, "Texel-buffer inputs").
//
// A workgroup is LOCAL_SIZE lanes (a subgroup's width, which it need not be: the lanes' sums
// meet in shared memory, after a barrier). Split z (workgroup x) takes `chunk` runs and writes its partial
// sums out[z] (K, C·R·S), which a fixed-order pass adds up; with a single split the kernel writes
// dw itself (ACCUMULATE adds).

layout(constant_id = 0) const uint LOCAL_SIZE = 8;  // the profile's narrow_weight_lanes (a subgroup's width)
layout(constant_id = 1) const uint TM = 32;         // output channels a workgroup
layout(constant_id = 3) const bool ACCUMULATE = false;
layout(constant_id = 7) const uint RUN = 4;         // 4 where P·Q % 4 == 0, else 1
layout(constant_id = 9) const uint CHANNELS = 1;    // C
layout(constant_id = 10) const uint KR = 3;         // R
layout(constant_id = 11) const uint KS = 3;         // S
layout(local_size_x_id = 0) in;

layout(set = 0, binding = 0) uniform textureBuffer dy_tex;
layout(set = 0, binding = 1) uniform textureBuffer x_tex;
layout(std430, set = 0, binding = 2) buffer Out_ { float out_[]; };

#include "conv_geometry.glsl"
#include "conv_window.glsl"

const uint TAPS = CHANNELS * KR * KS;

shared float lane_sums[TM * TAPS * LOCAL_SIZE];  // [value][lane]

void main() {
  const uint PQ = P * Q, lane = gl_SubgroupInvocationID;
  const uint k0 = gl_WorkGroupID.y * TM;
  const uint runs = N * PQ / RUN, first = gl_WorkGroupID.x * chunk, last = min(runs, first + chunk);

  // Where this lane's first run starts, and how far (n, p, q) moves from one run to its next:
  // after one division here, the loop below only adds and wraps.
  const uint start = (first + lane) * RUN;
  uint n = start / PQ, p = (start - n * PQ) / Q, q = start - n * PQ - p * Q;
  const uint step = LOCAL_SIZE * RUN, step_n = step / PQ, step_p = (step - step_n * PQ) / Q;
  const uint step_q = step - step_n * PQ - step_p * Q;

  float acc[TM][TAPS];
  for (uint i = 0; i < TM; ++i) {
    for (uint t = 0; t < TAPS; ++t) acc[i][t] = 0.0;
  }

  for (uint run = first + lane; run < last; run += LOCAL_SIZE) {
    // The run's input windows; a run never leaves its image (P·Q % RUN == 0).
    float xv[RUN][TAPS];
    uint pe = p, qe = q;
    for (uint e = 0; e < RUN; ++e) {
      const int ih0 = int(pe * stride) - int(pad), iw0 = int(qe * stride) - int(pad);
      for (uint r = 0; r < KR; ++r) {
        const int ih = ih0 + int(r);
        for (uint s = 0; s < KS; ++s) {
          for (uint c = 0; c < CHANNELS; ++c) xv[e][(c * KR + r) * KS + s] = window_value(n, ih, iw0 + int(s), c);
        }
      }
      if (++qe == Q) {
        qe = 0;
        ++pe;
      }
    }

    const uint yat = n * K * PQ + p * Q + q;
    for (uint i = 0; i < TM; ++i) {
      const uint at = yat + min(k0 + i, K - 1) * PQ;
      float dv[RUN];
      for (uint e = 0; e < RUN; ++e) dv[e] = texelFetch(dy_tex, int(at + e)).x;
      for (uint t = 0; t < TAPS; ++t) {
        for (uint e = 0; e < RUN; ++e) acc[i][t] = fma(dv[e], xv[e][t], acc[i][t]);
      }
    }

    n += step_n;
    p += step_p;
    q += step_q;
    if (q >= Q) {
      q -= Q;
      ++p;
    }
    if (p >= P) {
      p -= P;
      ++n;
    }
  }

  // Value v = i·TAPS + t of the sums is added over the lanes in lane order by lane v % LOCAL_SIZE,
  // so a block of LOCAL_SIZE values takes one store. (Through shared memory: 8 subgroupBroadcasts
  // per value took llvmpipe 20 s to compile for a 32-channel layer.)
  const uint VALUES = TM * TAPS;
  for (uint i = 0; i < TM; ++i) {
    for (uint t = 0; t < TAPS; ++t) lane_sums[(i * TAPS + t) * LOCAL_SIZE + lane] = acc[i][t];
  }
  barrier();
  const uint base = gl_WorkGroupID.x * K * TAPS + k0 * TAPS;
  for (uint v = lane; v < VALUES; v += LOCAL_SIZE) {
    if (k0 + v / TAPS >= K) break;
    float sum = lane_sums[v * LOCAL_SIZE];
    for (uint l = 1; l < LOCAL_SIZE; ++l) sum += lane_sums[v * LOCAL_SIZE + l];
    const uint o = base + v;
    out_[o] = ACCUMULATE ? out_[o] + sum : sum;
  }
}
