// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11) keyed by the run's seed,
// counted by (element, step, stream). engine/ops/random.cpp is the C++ twin; the two give
// identical bits on any conformant device because every floating-point step below is an
// add, subtract or multiply (which Vulkan requires to be correctly rounded), `precise` keeps
// the compiler from fusing them, and log, sqrt and cos/sin are built from those alone.

const uint PHILOX_M0 = 0xD2511F53u, PHILOX_M1 = 0xCD9E8D57u;
const uint PHILOX_W0 = 0x9E3779B9u, PHILOX_W1 = 0xBB67AE85u;

uvec4 philox4x32_10(uvec4 ctr, uvec2 key) {
  for (int round = 0; round < 10; ++round) {
    uint hi0, lo0, hi1, lo1;
    umulExtended(PHILOX_M0, ctr.x, hi0, lo0);
    umulExtended(PHILOX_M1, ctr.z, hi1, lo1);
    ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
    key += uvec2(PHILOX_W0, PHILOX_W1);
  }
  return ctr;
}

// Uniform in [0, 1) with 24 random bits (exact in a float).
float uniform_from_bits(uint w) { return float(w >> 8) * (1.0 / 16777216.0); }

precise float horner_log(float f) {
  precise float p = -7.638591528e-02;
  p = p * f + 1.291417032e-01;
  p = p * f + -1.324084252e-01;
  p = p * f + 1.418007910e-01;
  p = p * f + -1.660912633e-01;
  p = p * f + 2.000207156e-01;
  p = p * f + -2.500158548e-01;
  p = p * f + 3.333332539e-01;
  p = p * f + -4.999998808e-01;
  p = p * f + 1.0;
  return p;
}

// ln(u) for u in (0, 1): exponent from the bits, ln(m) on [√½, √2) as m−1 times a polynomial.
precise float log_unit(float u) {
  const uint bits = floatBitsToUint(u);
  int e = int(bits >> 23) - 127;
  precise float m = uintBitsToFloat((bits & 0x007FFFFFu) | 0x3F800000u);
  if (m > 1.41421354) {
    m = m * 0.5;
    e += 1;
  }
  precise float f = m - 1.0;  // exact (Sterbenz)
  precise float scaled = float(e) * 6.931471825e-01;
  return scaled + f * horner_log(f);
}

// √x for x > 0 by three Newton steps on 1/√x from the classic bit-level first guess.
precise float sqrt_positive(float x) {
  precise float y = uintBitsToFloat(0x5F3759DFu - (floatBitsToUint(x) >> 1));
  precise float half_x = 0.5 * x;
  for (int i = 0; i < 3; ++i) y = y * (1.5 - (half_x * y) * y);
  return x * y;
}

// A pair of independent N(0,1) samples from two words (Box–Muller).
vec2 normal_pair(uint w0, uint w1) {
  precise float u1 = (float(w0 >> 9) + 0.5) * (1.0 / 8388608.0);  // (0, 1), exact
  precise float r = sqrt_positive(-2.0 * log_unit(u1));
  const uint quadrant = w1 >> 30;
  precise float t = float((w1 >> 8) & 0x3FFFFFu) * (1.0 / 4194304.0);  // [0, 1) of a quarter turn
  precise float t2 = t * t;
  precise float c = -2.384832624e-05;
  c = c * t2 + 9.177866159e-04;
  c = c * t2 + -2.086274698e-02;
  c = c * t2 + 2.536693513e-01;
  c = c * t2 + -1.233700514;
  c = c * t2 + 1.0;
  precise float s = -3.434719019e-06;
  s = s * t2 + 1.602623088e-04;
  s = s * t2 + -4.681664985e-03;
  s = s * t2 + 7.969260961e-02;
  s = s * t2 + -6.459640861e-01;
  s = s * t2 + 1.570796371;
  s = s * t;
  vec2 cs = quadrant == 0u ? vec2(c, s) : quadrant == 1u ? vec2(-s, c) : quadrant == 2u ? vec2(-c, -s) : vec2(s, -c);
  precise vec2 z = r * cs;
  return z;
}

// The RNG state tensor: (seed low, seed high, step low, step high).
uvec4 rng_counter(uint element_pair, uvec4 state, uint stream) {
  return uvec4(element_pair, state.z, state.w, stream);
}

// N(0,1) for `element` of `stream` at the state's step.
float standard_normal(uvec4 state, uint stream, uint element) {
  const uvec4 w = philox4x32_10(rng_counter(element >> 1, state, stream), state.xy);
  const vec2 z = normal_pair(w.x, w.y);
  return (element & 1u) == 0u ? z.x : z.y;
}

// U[0,1) for elements 4q … 4q+3 of `stream` at the state's step: one Philox call, the same
// values as standard_uniform of each.
vec4 standard_uniform4(uvec4 state, uint stream, uint quad) {
  const uvec4 w = philox4x32_10(uvec4(quad, state.z, state.w, stream), state.xy);
  return vec4(uniform_from_bits(w.x), uniform_from_bits(w.y), uniform_from_bits(w.z), uniform_from_bits(w.w));
}

// U[0,1) for `element` of `stream` at the state's step.
float standard_uniform(uvec4 state, uint stream, uint element) {
  const uvec4 w = philox4x32_10(uvec4(element >> 2, state.z, state.w, stream), state.xy);
  const uint lane = element & 3u;
  return uniform_from_bits(lane == 0u ? w.x : lane == 1u ? w.y : lane == 2u ? w.z : w.w);
}
