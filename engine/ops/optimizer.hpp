// Optimizers over flat arenas (all parameters in one tensor, gradients in another): Adam, AdamW
// and SGD with momentum, with PyTorch's semantics; global-norm gradient clipping; a non-finite
// flag the host can read, which also makes the update skip so the weights stay good.
// Hyperparameters and the step count are device tensors: the host may change the learning rate
// between submits of a recorded step.
#pragma once

#include "ops/encoder.hpp"

namespace vkvae::ops {

// The bit an optimizer step sets in its non-finite flag when a weight or moment it wrote is NaN
// or ±Inf (the step's bookkeeping sets its own bit for gradients).
constexpr uint32_t kUpdateNonFiniteBit = 0x80000000u;

enum class OptimizerKind { adam, adamw, sgd };

// The layout of the hyperparameter tensor (8 × f32).
struct OptimizerHyper {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  float max_grad_norm = 0.0f;  // used when the step clips
  float momentum = 0.0f;       // SGD
  float dampening = 0.0f;      // SGD
};

struct OptimizerTensors {
  Tensor params, grads;  // (n)
  Tensor m, v;           // Adam moments (n); SGD uses m as its momentum buffer and ignores v
  Tensor hyper;          // (8) f32: OptimizerHyper
  Tensor step;           // (1) u32: the step being taken, ≥ 1
  Tensor grad_norm_sq;   // (1) f32: Σ grad², from grad_norm_sq(), read when clipping
  Tensor nonfinite;      // (1) u32: non-zero skips the update; a non-finite result sets its top bit
};

struct OptimizerOptions {
  bool clip = false;      // scale gradients to a global norm ≤ hyper.max_grad_norm
  bool nesterov = false;  // SGD
  bool guard = true;      // skip when nonfinite ≠ 0
};

void optimizer_step(Encoder& enc, OptimizerKind kind, const OptimizerTensors& t,
                    const OptimizerOptions& options = {});

// Partial sums the two-pass reductions need.
constexpr uint32_t kMaxPartials = 256;
// grads (n) → out (1) = Σ grad², in two fixed-order passes through `partials` (kMaxPartials).
void grad_norm_sq(Encoder& enc, const Tensor& out, const Tensor& grads, const Tensor& partials);

}  // namespace vkvae::ops
