#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_ballot : require
// dy (N,K,P,Q), x (N,C,H,W) → dw (K,C,R,S) = Σ_{n,p,q} dy[n,k,p,q]·x[n,c,p·st−pad+r,q·st−pad+s]
// for the output rows (n, p) of split z: out[z] (K,C·R·S). Conv2d's weight gradient (and, with the roles
// of x and dy swapped, ConvTranspose2d's). A short output and a long reduction, so the
// reduction is split over workgroups (z) into partial sums that a fixed-order pass adds up;
// with a single split the kernel writes dw itself (ACCUMULATE adds).
//
// A workgroup owns TM output channels k (dy loads are uniform: k and the position are), each
// lane TN of the C·R·S weights.

layout(constant_id = 0) const uint LOCAL_SIZE = 64;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 1;
layout(constant_id = 3) const bool ACCUMULATE = false;
layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = 0) readonly buffer DY_ { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer X_ { float x[]; };
layout(std430, set = 0, binding = 2) buffer Out_ { float out_[]; };

#include "conv_geometry.glsl"
#include "uniform_loads.glsl"

void main() {
  const uint PQ = P * Q, HW = H * W, RS = R * S, CRS = C * RS;
  const uint k0 = gl_WorkGroupID.y * TM;
  const uint crs0 = gl_WorkGroupID.x * (LOCAL_SIZE * TN) + gl_LocalInvocationID.x;
  uint xoff[TN];
  int rr[TN], ss[TN];
  for (uint j = 0; j < TN; ++j) {
    const uint crs = min(crs0 + j * LOCAL_SIZE, CRS - 1);
    const uint c = crs / RS, rs = crs - c * RS, r = rs / S;
    rr[j] = int(r) - int(pad);
    ss[j] = int(rs - r * S) - int(pad);
    xoff[j] = c * HW;
  }
  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i) {
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;
  }

  // Split z takes whole output rows (n, p): one division per row, and each lane decides once
  // per row whether its input row is inside the image; q then runs with increments only.
  const uint first = gl_WorkGroupID.z * chunk, last = min(N * P, first + chunk);
  for (uint row = first; row < last; ++row) {
    const uint n = row / P, p = row - n * P;
    const int ih0 = int(p * stride);
    bool row_valid[TN];
    uint xrow[TN];
    for (uint j = 0; j < TN; ++j) {
      const int ih = ih0 + rr[j];
      row_valid[j] = ih >= 0 && ih < int(H);
      xrow[j] = row_valid[j] ? n * C * HW + xoff[j] + uint(ih) * W : 0u;
    }
    const uint yrow = n * K * PQ + p * Q;
    for (uint q = 0; q < Q; ++q) {
      const int iw0 = int(q * stride);
      float xv[TN];
      for (uint j = 0; j < TN; ++j) {
        const int iw = iw0 + ss[j];
        xv[j] = row_valid[j] && iw >= 0 && iw < int(W) ? x[xrow[j] + uint(iw)] : 0.0;
      }
      float dv[TM];
      LOAD_UNIFORM(float, dv, TM, i, dy[yrow + min(k0 + i, K - 1) * PQ + q]);
      for (uint i = 0; i < TM; ++i) {
        for (uint j = 0; j < TN; ++j) acc[i][j] = fma(dv[i], xv[j], acc[i][j]);
      }
    }
  }

  const uint base = gl_WorkGroupID.z * K * CRS;
  for (uint j = 0; j < TN; ++j) {
    const uint crs = crs0 + j * LOCAL_SIZE;
    if (crs >= CRS) break;
    for (uint i = 0; i < TM; ++i) {
    if (k0 + i >= K) break;  // constant trip count: unrolled, acc stays in registers
      const uint o = base + (k0 + i) * CRS + crs;
      out_[o] = ACCUMULATE ? out_[o] + acc[i][j] : acc[i][j];
    }
  }
}
