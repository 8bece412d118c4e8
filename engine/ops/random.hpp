// The C++ twin of shaders/random.glsl: Philox4x32-10 and the arithmetic-only Box–Muller, giving
// the same bits as the GPU for the same (seed, step, stream, element).
#pragma once

#include <array>
#include <cstdint>

namespace vkvae::ops {

// Which use draws the numbers: each gets its own stream, so they never share a counter.
// init and shuffle are drawn on the host only (parameter initialization, each epoch's order).
enum class RngStream : uint32_t { reparameterize = 1, binarize = 2, prior = 3, init = 4, shuffle = 5 };

// The device's RNG state tensor holds exactly these four words.
struct RngState {
  uint32_t seed_lo = 0, seed_hi = 0, step_lo = 0, step_hi = 0;
  static RngState from(uint64_t seed, uint64_t step) {
    return {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(step),
            static_cast<uint32_t>(step >> 32)};
  }
};

std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key);

// The pair of N(0,1) samples the shader's normal_pair(w0, w1) returns.
std::array<float, 2> normal_pair(uint32_t w0, uint32_t w1);

// The raw 32 random bits behind standard_uniform.
uint32_t random_bits(const RngState& state, RngStream stream, uint32_t element);
float standard_normal(const RngState& state, RngStream stream, uint32_t element);
float standard_uniform(const RngState& state, RngStream stream, uint32_t element);

}  // namespace vkvae::ops
