// Random normals on the GPU and the reparameterization trick z = μ + σ·ε. The RNG state is a
// device tensor of 4 × u32 (seed low/high, step low/high), so a recorded step draws fresh noise
// once the step counter on the device has moved.
#pragma once

#include "ops/encoder.hpp"
#include "ops/random.hpp"

namespace vkvae::ops {

// rng (4, u32) → out (any shape) ~ N(0,1), bit-identical to ops::standard_normal.
void random_normal(Encoder& enc, const Tensor& out, const Tensor& rng, RngStream stream);

// μ, log σ² (B,J), rng → ε (B,J), z = μ + exp(½ log σ²)·ε (B,J). Element i draws the noise
// of element first_element + i: a shard of a larger batch draws the noise of its rows there.
void reparameterize_forward(Encoder& enc, const Tensor& z, const Tensor& eps, const Tensor& mu,
                            const Tensor& logvar, const Tensor& rng, uint32_t first_element = 0);
// dz, ε, log σ² → dμ (+)= dz, dlog σ² (+)= ½·dz·ε·σ
void reparameterize_backward(Encoder& enc, const Tensor& dmu, const Tensor& dlogvar,
                             const Tensor& dz, const Tensor& eps, const Tensor& logvar,
                             bool accumulate = false);

}  // namespace vkvae::ops
