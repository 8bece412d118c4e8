// Compiled with -ffp-contract=off (see engine/CMakeLists.txt): every float operation here must
// round exactly as the shader's `precise` operations do.
#include "ops/random.hpp"

#include <bit>

namespace vkvae::ops {
namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

float horner_log(float f) {
  float p = -7.638591528e-02f;
  p = p * f + 1.291417032e-01f;
  p = p * f + -1.324084252e-01f;
  p = p * f + 1.418007910e-01f;
  p = p * f + -1.660912633e-01f;
  p = p * f + 2.000207156e-01f;
  p = p * f + -2.500158548e-01f;
  p = p * f + 3.333332539e-01f;
  p = p * f + -4.999998808e-01f;
  p = p * f + 1.0f;
  return p;
}

float log_unit(float u) {
  const uint32_t bits = std::bit_cast<uint32_t>(u);
  int e = static_cast<int>(bits >> 23) - 127;
  float m = std::bit_cast<float>((bits & 0x007FFFFFu) | 0x3F800000u);
  if (m > 1.41421354f) {
    m = m * 0.5f;
    e += 1;
  }
  const float f = m - 1.0f;
  const float scaled = static_cast<float>(e) * 6.931471825e-01f;
  return scaled + f * horner_log(f);
}

float sqrt_positive(float x) {
  float y = std::bit_cast<float>(0x5F3759DFu - (std::bit_cast<uint32_t>(x) >> 1));
  const float half_x = 0.5f * x;
  for (int i = 0; i < 3; ++i) y = y * (1.5f - (half_x * y) * y);
  return x * y;
}

float uniform_from_bits(uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }

}  // namespace

std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kM0} * c[0];
    const uint64_t p1 = uint64_t{kM1} * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
    k = {k[0] + kW0, k[1] + kW1};
  }
  return c;
}

std::array<float, 2> normal_pair(uint32_t w0, uint32_t w1) {
  const float u1 = (static_cast<float>(w0 >> 9) + 0.5f) * (1.0f / 8388608.0f);
  const float r = sqrt_positive(-2.0f * log_unit(u1));
  const uint32_t quadrant = w1 >> 30;
  const float t = static_cast<float>((w1 >> 8) & 0x3FFFFFu) * (1.0f / 4194304.0f);
  const float t2 = t * t;
  float c = -2.384832624e-05f;
  c = c * t2 + 9.177866159e-04f;
  c = c * t2 + -2.086274698e-02f;
  c = c * t2 + 2.536693513e-01f;
  c = c * t2 + -1.233700514f;
  c = c * t2 + 1.0f;
  float s = -3.434719019e-06f;
  s = s * t2 + 1.602623088e-04f;
  s = s * t2 + -4.681664985e-03f;
  s = s * t2 + 7.969260961e-02f;
  s = s * t2 + -6.459640861e-01f;
  s = s * t2 + 1.570796371f;
  s = s * t;
  float cos_theta = c, sin_theta = s;
  switch (quadrant) {
    case 1: cos_theta = -s, sin_theta = c; break;
    case 2: cos_theta = -c, sin_theta = -s; break;
    case 3: cos_theta = s, sin_theta = -c; break;
    default: break;
  }
  return {r * cos_theta, r * sin_theta};
}

float standard_normal(const RngState& state, RngStream stream, uint32_t element) {
  const auto w = philox4x32_10({element >> 1, state.step_lo, state.step_hi, static_cast<uint32_t>(stream)},
                               {state.seed_lo, state.seed_hi});
  const auto z = normal_pair(w[0], w[1]);
  return z[element & 1u];
}

uint32_t random_bits(const RngState& state, RngStream stream, uint32_t element) {
  const auto w = philox4x32_10({element >> 2, state.step_lo, state.step_hi, static_cast<uint32_t>(stream)},
                               {state.seed_lo, state.seed_hi});
  return w[element & 3u];
}

float standard_uniform(const RngState& state, RngStream stream, uint32_t element) {
  return uniform_from_bits(random_bits(state, stream, element));
}

}  // namespace vkvae::ops
