// How the forward convolution kernels store a lane's run of four consecutive output positions
// (flat index `first` over N·P·Q) of output channel k, through the epilogue of
// gemm_epilogue.glsl. The including kernel declares y / y4 (binding 3), the VEC4_STORES
// constant, and how it reads binding 2 (epilogue_in): epilogue_value(i) and epilogue_run(i4),
// the four values from 4·i4.
//
// VEC4_STORES (P·Q % 4 == 0, output and gate 16-byte aligned): a run never leaves its image, so
// it is stored, and gated, as one vec4; on lavapipe a store costs a loop over the lanes whatever
// its width. Otherwise element by element, each clamped to the last position and skipped past it
// (no break in the element loop: it kept the callers' loops from unrolling).
void store_run(uint first, uint k, vec4 value, float bias) {
  const uint PQ = P * Q, total = N * PQ;
  if (VEC4_STORES) {
    const uint n = first / PQ, o4 = ((n * K + k) * PQ + first - n * PQ) / 4;
    const vec4 gate_y = GATED ? epilogue_run(o4) : vec4(0.0);
    const vec4 previous = ACCUMULATE ? y4[o4] : vec4(0.0);
    vec4 result;
    for (uint e = 0; e < 4; ++e) result[e] = epilogue(value[e], bias, gate_y[e], previous[e]);
    y4[o4] = result;
    return;
  }
  for (uint e = 0; e < 4; ++e) {
    const uint pos = min(first + e, total - 1), n = pos / PQ, o = (n * K + k) * PQ + pos - n * PQ;
    if (first + e < total) y[o] = epilogue(value[e], bias, GATED ? epilogue_value(o) : 0.0, ACCUMULATE ? y[o] : 0.0);
  }
}
