// The implicit GEMMs' view of the large side x (N,C,H,W): element (pos, tap) of its im2col
// matrix, pos = (n, p, q) an output position and tap = (c, r, s) a weight's tap, is
// x[n, c, p·stride − pad + r, q·stride − pad + s], 0 outside the image (padding). Needs
// conv_geometry.glsl and the includer's buffer x[].
float im2col(uint pos, uint tap) {
  const uint PQ = P * Q, RS = R * S;
  const uint n = pos / PQ, pq = pos % PQ, p = pq / Q, q = pq % Q;
  const uint c = tap / RS, rs = tap % RS, r = rs / S, s = rs % S;
  // Unsigned: a row or column before the image wraps round to a large value, outside too.
  const uint h = p * stride + r - pad, wi = q * stride + s - pad;
  return h < H && wi < W ? x[((n * C + c) * H + h) * W + wi] : 0.0;
}
