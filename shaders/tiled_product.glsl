// The shared-memory main loop of the GPU profile's tiled kernels (gemm_tiled.comp, the implicit
// GEMM of conv_forward_tiled.comp): a workgroup of 128 invocations makes a 64×64 block of a
// product P (M,N) = Σ_k A(m,k)·B(k,n), invocation (tr, tc) = (t / 16, t % 16) holding rows
// tr + 8i (i < 8) and columns tc + 16j (j < 4): 32 accumulators, within any GPU's registers. K
// goes in slabs of 16: the slab's A block (64×16) and B block (16×64) are loaded once by the
// whole workgroup into shared memory (8 KiB), each invocation loading 8 values of each,
// consecutive invocations reading consecutive elements along whichever dimension the caller
// says is contiguous (coalesced); then every invocation reads its 8 rows and 4 columns from
// there for 16 FMAs a value. Neighbouring invocations read neighbouring columns of Bs (no bank
// conflicts) and one row of As (a broadcast). The sum over k runs in order.
//
// Single-buffered (two barriers a slab): double buffering needs 16 KiB, all a device must have.
//
// The including shader defines, before including this file:
//   float tile_a(uint m, uint k), float tile_b(uint k, uint n) — the operands, called only for
//     m < M, n < N, k in [k_begin, k_end);
//   const bool TILE_ROW_SUMS — whether the loop also sums A's rows over its k.
// and has `layout(local_size_x = 128) in;`.

const uint BM = 64, BN = 64, BK = 16, RM = 8, RN = 4;

shared float As[BK][BM];
shared float Bs[BK][BN];

// The block at (m0, n0) over k in [k_begin, k_end) into acc (and row_sum with TILE_ROW_SUMS).
// a_along_k / b_along_n: A's elements are contiguous along k / B's along n.
void tiled_product(uint M, uint N, uint k_begin, uint k_end, bool a_along_k, bool b_along_n, uint m0, uint n0,
                   out float acc[RM][RN], out float row_sum[RM]) {
  const uint t = gl_LocalInvocationID.x, tr = t / 16, tc = t % 16;
  for (uint i = 0; i < RM; ++i) {
    row_sum[i] = 0.0;
    for (uint j = 0; j < RN; ++j) acc[i][j] = 0.0;
  }
  for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
    for (uint q = 0; q < BM * BK / 128; ++q) {
      const uint e = t + 128 * q;
      const uint row = a_along_k ? e / BK : e % BM, kk = a_along_k ? e % BK : e / BM;
      const uint m = m0 + row, k = k0 + kk;
      As[kk][row] = m < M && k < k_end ? tile_a(m, k) : 0.0;
    }
    for (uint q = 0; q < BK * BN / 128; ++q) {
      const uint e = t + 128 * q;
      const uint col = b_along_n ? e % BN : e / BK, kk = b_along_n ? e / BN : e % BK;
      const uint n = n0 + col, k = k0 + kk;
      Bs[kk][col] = n < N && k < k_end ? tile_b(k, n) : 0.0;
    }
    barrier();
    for (uint kk = 0; kk < BK; ++kk) {
      float av[RM], bv[RN];
      for (uint i = 0; i < RM; ++i) av[i] = As[kk][tr + 8 * i];
      for (uint j = 0; j < RN; ++j) bv[j] = Bs[kk][tc + 16 * j];
      for (uint i = 0; i < RM; ++i) {
        if (TILE_ROW_SUMS) row_sum[i] += av[i];  // zeros past K add nothing
        for (uint j = 0; j < RN; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
      }
    }
    barrier();  // the next slab overwrites As and Bs
  }
}
