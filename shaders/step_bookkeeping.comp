#version 450
#extension GL_GOOGLE_include_directive : require
// The bookkeeping of one training step between its backward pass and the optimizer, in one
// dispatch (three or four passes of their own would each pay a dispatch's fixed cost):
//   every workgroup: flag |= BIT when one of its ITEMS·LOCAL_SIZE gradients is NaN or ±Inf,
//     judged by the bits, with an integer atomic OR: no float atomics, no dependence on order;
//   workgroup 0 also: metric_sums[l] += Σ losses l for the LOSSES loss terms, each in a fixed
//     order (lane l sums elements l, l+L, … then a pairwise tree in shared memory: the order of
//     reduce_sum.comp with one workgroup), so a replayed step gives the same bits; and
//     step += 1, the RNG's 64-bit step += 1, cursor += batch, so the next replay takes the next
//     batch with fresh noise and the optimizer sees the next step number.
// A step computed in shards runs it once a shard for that shard's loss sums (n = 0, ADVANCE 0),
// and once after the shards' gradients are summed for the flag and the counters (LOSSES 0).

layout(constant_id = 0) const uint LOCAL_SIZE = 64;  // a power of two
layout(constant_id = 1) const uint ITEMS = 8;
layout(constant_id = 2) const uint LOSSES = 1;       // 0 to 4
layout(local_size_x_id = 0) in;
#include "linear_group.glsl"

layout(std430, set = 0, binding = 0) readonly buffer G_ { float grads[]; };
layout(std430, set = 0, binding = 1) buffer F_ { uint flag; };
layout(std430, set = 0, binding = 2) buffer M_ { float metric_sums[]; };
layout(std430, set = 0, binding = 3) buffer S_ { uint step; };
layout(std430, set = 0, binding = 4) buffer R_ { uvec4 rng; };
layout(std430, set = 0, binding = 5) buffer C_ { uint cursor; };
layout(std430, set = 0, binding = 6) readonly buffer L0_ { float loss0[]; };
layout(std430, set = 0, binding = 7) readonly buffer L1_ { float loss1[]; };
layout(std430, set = 0, binding = 8) readonly buffer L2_ { float loss2[]; };
layout(std430, set = 0, binding = 9) readonly buffer L3_ { float loss3[]; };
layout(push_constant) uniform Push {
  uint n;      // gradients
  uint bit;
  uint batch;
  uint rows0, rows1, rows2, rows3;  // values of each loss term
  uint advance;                     // whether the counters move on
};

shared float partial[LOCAL_SIZE];

float loss_value(uint term, uint i) {
  if (term == 0) return loss0[i];
  if (term == 1) return loss1[i];
  if (term == 2) return loss2[i];
  return loss3[i];
}

uint loss_rows(uint term) { return term == 0 ? rows0 : term == 1 ? rows1 : term == 2 ? rows2 : rows3; }

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint first = linear_group() * LOCAL_SIZE * ITEMS + lane;
  bool bad = false;
  for (uint k = 0; k < ITEMS; ++k) {
    const uint i = first + k * LOCAL_SIZE;
    if (i < n) bad = bad || (floatBitsToUint(grads[i]) & 0x7F800000u) == 0x7F800000u;
  }
  if (bad) atomicOr(flag, bit);

  if (linear_group() != 0) return;  // the same for the whole workgroup: the barriers below are safe
  for (uint term = 0; term < LOSSES; ++term) {
    float s = 0.0;
    for (uint i = lane; i < loss_rows(term); i += LOCAL_SIZE) s += loss_value(term, i);
    partial[lane] = s;
    barrier();
    for (uint width = LOCAL_SIZE / 2; width > 0; width /= 2) {
      if (lane < width) partial[lane] += partial[lane + width];
      barrier();
    }
    if (lane == 0) metric_sums[term] += partial[0];
    barrier();  // partial is reused by the next term
  }
  if (lane == 0 && advance != 0u) {
    step += 1u;
    rng.z += 1u;
    if (rng.z == 0u) rng.w += 1u;  // carry into the step's high word
    cursor += batch;
  }
}
