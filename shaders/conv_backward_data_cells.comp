#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// dy (N,K,P,Q) · w (K,C,R,S) → dx (N,C,H,W), as conv_backward_data.comp, for layers with few
// channels C (a ConvTranspose2d to one image channel): there every gathered dy value of the
// phase kernel feeds only TM ≤ C FMAs. Here a lane owns TN neighbouring *cells* of a row: a cell
// (u, v) is the STRIDE×STRIDE outputs with (h + pad) div STRIDE = u, (w + pad) div STRIDE = v.
// Output h = STRIDE·u + a − pad takes tap r = a + STRIDE·t from dy row p = u − t, so every phase
// of a cell reads the same T×T window of dy, and neighbouring cells share all but one column of
// it: per channel k a lane gathers T·(TN + T − 1) values for TN·R·S FMAs. The kernel size and
// stride are specialization constants, so every loop over them unrolls and the accumulators stay
// in registers. dy and the epilogue's input (bias or gate) are uniform texel buffers: on lavapipe
// a texelFetch is one vector gather, where a storage-buffer load is a loop over the lanes
// (docs/ARCHITECTURE.md, "Texel-buffer inputs").

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 1;
layout(constant_id = 2) const uint TN = 8;       // cells a lane
layout(constant_id = 7) const uint STRIDE = 2;
layout(constant_id = 10) const uint KR = 3;      // kernel rows (R)
layout(constant_id = 11) const uint KS = 3;      // kernel columns (S)
layout(local_size_x_id = 0) in;

layout(set = 0, binding = 0) uniform textureBuffer dy_tex;
layout(std430, set = 0, binding = 1) readonly buffer Wt_ { float w[]; };
layout(set = 0, binding = 2) uniform textureBuffer epilogue_in;  // see gemm_epilogue.glsl
layout(std430, set = 0, binding = 3) buffer DX_ { float dx[]; };

#include "conv_geometry.glsl"
#include "activation.glsl"
#include "gemm_epilogue.glsl"
#include "uniform_loads.glsl"

const uint TR = (KR + STRIDE - 1) / STRIDE;  // window rows: taps r = a + STRIDE·t, t < TR
const uint TS = (KS + STRIDE - 1) / STRIDE;
const uint WIN = TN + TS - 1;                // window columns
const uint TAPS = KR * KS;

void main() {
  const uint PQ = P * Q, HW = H * W;
  const uint U = (H + pad + STRIDE - 1) / STRIDE, V = (W + pad + STRIDE - 1) / STRIDE;
  const uint chunks = (V + TN - 1) / TN, lanes_needed = N * U * chunks;
  const uint c0 = gl_WorkGroupID.y * TM;
  // Lanes past the last chunk work on the last one and store nothing.
  const uint lane = gl_WorkGroupID.x * LOCAL_SIZE + gl_LocalInvocationID.x;
  const uint id = min(lane, lanes_needed - 1);
  const uint n = id / (U * chunks), rest = id - n * U * chunks;
  const uint u = rest / chunks, v0 = (rest - u * chunks) * TN;

  // The window: dy rows u − t, columns v0 + m − (TS − 1); outside dy it reads as zero.
  bool row_in[TR];
  uint row_at[TR];
  for (uint t = 0; t < TR; ++t) {
    const int p = int(u) - int(t);
    row_in[t] = p >= 0 && p < int(P);
    row_at[t] = n * K * PQ + uint(max(p, 0)) * Q;
  }
  bool col_in[WIN];
  uint col_at[WIN];
  for (uint m = 0; m < WIN; ++m) {
    const int q = int(v0 + m) - int(TS - 1);
    col_in[m] = q >= 0 && q < int(Q);
    col_at[m] = uint(max(q, 0));
  }

  float acc[TM][TN][STRIDE * STRIDE];
  for (uint i = 0; i < TM; ++i) {
    for (uint j = 0; j < TN; ++j) {
      for (uint f = 0; f < STRIDE * STRIDE; ++f) acc[i][j][f] = 0.0;
    }
  }

  for (uint k = 0; k < K; ++k) {
    float win[TR][WIN];
    for (uint t = 0; t < TR; ++t) {
      for (uint m = 0; m < WIN; ++m) {
        win[t][m] = row_in[t] && col_in[m] ? texelFetch(dy_tex, int(row_at[t] + k * PQ + col_at[m])).x : 0.0;
      }
    }
    // w[k, c0 + i, r, s] for every i, r, s: TM·TAPS uniform values.
    float wv[TM * TAPS];
    LOAD_UNIFORM(float, wv, TM * TAPS, e, w[(k * C + min(c0 + e / TAPS, C - 1)) * TAPS + e % TAPS]);
    for (uint i = 0; i < TM; ++i) {
      for (uint r = 0; r < KR; ++r) {
        for (uint s = 0; s < KS; ++s) {
          const float wrs = wv[i * TAPS + r * KS + s];
          const uint phase = (r % STRIDE) * STRIDE + s % STRIDE, t = r / STRIDE, ts = s / STRIDE;
          for (uint j = 0; j < TN; ++j) acc[i][j][phase] = fma(wrs, win[t][j + TS - 1 - ts], acc[i][j][phase]);
        }
      }
    }
  }

  float bias[TM];
  LOAD_UNIFORM(float, bias, TM, i, HAS_BIAS ? texelFetch(epilogue_in, int(min(c0 + i, C - 1))).x : 0.0);
  const bool stores = lane < lanes_needed;
  for (uint j = 0; j < TN; ++j) {
    for (uint f = 0; f < STRIDE * STRIDE; ++f) {
      const int h = int(STRIDE * u + f / STRIDE) - int(pad), ww = int(STRIDE * (v0 + j) + f % STRIDE) - int(pad);
      const bool inside = stores && h >= 0 && h < int(H) && ww >= 0 && ww < int(W);
      for (uint i = 0; i < TM; ++i) {
        const uint o = ((n * C + min(c0 + i, C - 1)) * H + uint(max(h, 0))) * W + uint(max(ww, 0));
        if (inside && c0 + i < C) {
          dx[o] = epilogue(acc[i][j][f], bias[i], GATED ? texelFetch(epilogue_in, int(o)).x : 0.0, ACCUMULATE ? dx[o] : 0.0);
        }
      }
    }
  }
}
