// The shared-memory main loop of the GPU profile's tiled kernels (gemm_tiled.comp, the implicit
// GEMMs conv_*_tiled.comp): a workgroup of 128 invocations makes a BM×BN block of a product
// P (M,N) = Σ_k A(m,k)·B(k,n), invocation (tr, tc) = (t / 16, t % 16) holding rows tr + 8i
// (i < RM = BM/8) and columns tc + 16j (j < RN = BN/16). K goes in slabs of BK: the slab's A
// block (BM×BK) and B block (BK×BN) are loaded once by the whole workgroup into shared memory,
// consecutive invocations reading consecutive elements along whichever dimension the caller
// says is contiguous (coalesced); then every invocation reads its RM rows and RN columns from
// there for RN (RM) FMAs a value. Neighbouring invocations read neighbouring columns of Bs (no
// bank conflicts) and one row of As (a broadcast). The sum over k runs in order, so the bits do
// not depend on how the loads are made.
//
// The block's shape is the host's (ops/tiled_product.hpp), by specialization constants 12–14:
//   64×64, slabs of 16 (32 accumulators): products wide and long enough to fill it;
//   128×32, slabs of 8 (32 accumulators): short sums, a one-channel layer's 9 taps;
//   32×16, slabs of 32 (4 accumulators): few columns and a long sum, a one-channel layer's
//     weight gradient over every position.
//
// Double-buffered: shared memory holds two slabs (16 KiB at most, the least a device must have).
// While the workgroup multiplies out one, each invocation's loads of the next are in flight into
// registers, stored to the other copy after the FMAs: one barrier a slab, and the global loads'
// latency hidden behind BK slab steps of arithmetic.
//
// Quads: where the includer can read four consecutive elements along an operand's contiguous
// dimension as one aligned vec4, it defines TILE_A_QUADS (or TILE_B_QUADS) as the condition (a
// specialization constant) and vec4 tile_a4(m, k) (tile_b4(k, n)) for the four from (m, k)
// ((k, n)) on; an invocation's values of a slab then come four a load (in shapes where it loads
// a multiple of four). The caller guarantees that the contiguous extent (K, and k_begin, or M;
// N or K) is a multiple of 4, so a quad is wholly inside the operand or wholly outside.
//
// The including shader defines, before including this file:
//   float tile_a(uint m, uint k), float tile_b(uint k, uint n) — the operands, called only for
//     m < M, n < N, k in [k_begin, k_end);
//   const bool TILE_ROW_SUMS — whether the loop also sums A's rows over its k;
//   optionally TILE_A_QUADS / TILE_B_QUADS with tile_a4 / tile_b4, as above;
// and has `layout(local_size_x = 128) in;`.

layout(constant_id = 12) const uint BM = 64;
layout(constant_id = 13) const uint BN = 64;
layout(constant_id = 14) const uint BK = 16;
const uint RM = BM / 8, RN = BN / 16;
const uint LA = BM * BK / 128, LB = BK * BN / 128;  // values of a slab an invocation loads

shared float As[2][BK][BM];
shared float Bs[2][BK][BN];

#ifdef TILE_A_QUADS
// Written this way round: as `TILE_A_QUADS && LA % 4 == 0` glslc's optimizer failed ("ID has
// not been defined") on the specialization-constant expression.
const bool A_QUADS = LA % 4 == 0 && TILE_A_QUADS;
#else
const bool A_QUADS = false;
#endif
#ifdef TILE_B_QUADS
const bool B_QUADS = LB % 4 == 0 && TILE_B_QUADS;
#else
const bool B_QUADS = false;
#endif

// Which element of the slab (numbered along the contiguous dimension) the invocation's i-th
// load is: one of 128 consecutive elements a step, or of 128 consecutive quads with quads.
uint slab_element(uint i, bool quads) {
  const uint t = gl_LocalInvocationID.x;
  return quads ? 4 * (t + 128 * (i / 4)) + i % 4 : t + 128 * i;
}
// Slab element e's (row, kk) in A's block and (column, kk) in B's.
uvec2 a_slot(uint e, bool a_along_k) { return a_along_k ? uvec2(e / BK, e % BK) : uvec2(e % BM, e / BM); }
uvec2 b_slot(uint e, bool b_along_n) { return b_along_n ? uvec2(e % BN, e / BN) : uvec2(e / BK, e % BK); }

// The invocation's share of the slab at k0 from global memory (zeros outside the operands).
void load_slab(uint M, uint N, uint k0, uint k_end, bool a_along_k, bool b_along_n, uint m0, uint n0,
               out float a_regs[LA], out float b_regs[LB]) {
  for (uint i = 0; i < LA; i += A_QUADS ? 4 : 1) {
    const uvec2 s = a_slot(slab_element(i, A_QUADS), a_along_k);
    const uint m = m0 + s.x, k = k0 + s.y;
    const bool inside = m < M && k < k_end;
#ifdef TILE_A_QUADS
    if (A_QUADS) {
      const vec4 v = inside ? tile_a4(m, k) : vec4(0.0);
      for (uint c = 0; c < 4; ++c) a_regs[i + c] = v[c];
      continue;
    }
#endif
    a_regs[i] = inside ? tile_a(m, k) : 0.0;
  }
  for (uint i = 0; i < LB; i += B_QUADS ? 4 : 1) {
    const uvec2 s = b_slot(slab_element(i, B_QUADS), b_along_n);
    const uint n = n0 + s.x, k = k0 + s.y;
    const bool inside = n < N && k < k_end;
#ifdef TILE_B_QUADS
    if (B_QUADS) {
      const vec4 v = inside ? tile_b4(k, n) : vec4(0.0);
      for (uint c = 0; c < 4; ++c) b_regs[i + c] = v[c];
      continue;
    }
#endif
    b_regs[i] = inside ? tile_b(k, n) : 0.0;
  }
}

void store_slab(uint buf, bool a_along_k, bool b_along_n, float a_regs[LA], float b_regs[LB]) {
  for (uint i = 0; i < LA; ++i) {
    const uvec2 s = a_slot(slab_element(i, A_QUADS), a_along_k);
    As[buf][s.y][s.x] = a_regs[i];
  }
  for (uint i = 0; i < LB; ++i) {
    const uvec2 s = b_slot(slab_element(i, B_QUADS), b_along_n);
    Bs[buf][s.y][s.x] = b_regs[i];
  }
}

// The block at (m0, n0) over k in [k_begin, k_end) into acc (and row_sum with TILE_ROW_SUMS).
// a_along_k / b_along_n: A's elements are contiguous along k / B's along n.
void tiled_product(uint M, uint N, uint k_begin, uint k_end, bool a_along_k, bool b_along_n, uint m0, uint n0,
                   out float acc[RM][RN], out float row_sum[RM]) {
  const uint t = gl_LocalInvocationID.x, tr = t / 16, tc = t % 16;
  for (uint i = 0; i < RM; ++i) {
    row_sum[i] = 0.0;
    for (uint j = 0; j < RN; ++j) acc[i][j] = 0.0;
  }
  float a_regs[LA], b_regs[LB];
  load_slab(M, N, k_begin, k_end, a_along_k, b_along_n, m0, n0, a_regs, b_regs);
  store_slab(0, a_along_k, b_along_n, a_regs, b_regs);
  barrier();
  uint buf = 0;
  for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
    const bool more = k0 + BK < k_end;  // the same for the whole workgroup
    if (more) load_slab(M, N, k0 + BK, k_end, a_along_k, b_along_n, m0, n0, a_regs, b_regs);
    for (uint kk = 0; kk < BK; ++kk) {
      float av[RM], bv[RN];
      for (uint i = 0; i < RM; ++i) av[i] = As[buf][kk][tr + 8 * i];
      for (uint j = 0; j < RN; ++j) bv[j] = Bs[buf][kk][tc + 16 * j];
      for (uint i = 0; i < RM; ++i) {
        if (TILE_ROW_SUMS) row_sum[i] += av[i];  // zeros past K add nothing
        for (uint j = 0; j < RN; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
      }
    }
    // The other copy was last read in the previous step, which the last barrier closed.
    if (more) store_slab(buf ^ 1, a_along_k, b_along_n, a_regs, b_regs);
    barrier();
    buf ^= 1;
  }
}
