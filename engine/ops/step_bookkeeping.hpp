// What a training step does between its backward pass and the optimizer, as one dispatch: the
// non-finite check of the gradients, the running sums of the loss terms for the metrics, and the
// device-side counters that let a recorded step be replayed.
#pragma once

#include <vector>

#include "ops/encoder.hpp"

namespace vkvae::ops {

constexpr std::size_t kMaxStepLosses = 4;

// A step computed in shards (train/step.hpp) takes it apart: each shard's loss sums (no
// gradients, no advance), then the flag and the counters once (no losses).
struct StepBookkeeping {
  Tensor grads;                // (n) f32: the gradient arena; none (no buffer): no check
  Tensor nonfinite;            // (1) u32: |= bit when any gradient is NaN or ±Inf
  uint32_t bit = 1;
  std::vector<Tensor> losses;  // up to kMaxStepLosses f32 tensors: per-example loss terms
  Tensor metric_sums;          // (losses) f32: metric_sums[l] += Σ losses[l]
  Tensor step;                 // (1) u32: += 1
  Tensor rng;                  // (4) u32: its 64-bit step (words 2, 3) += 1
  Tensor cursor;               // (1) u32: += batch
  uint32_t batch = 1;
  bool advance = true;         // whether step, rng and cursor move on
};

void step_bookkeeping(Encoder& enc, const StepBookkeeping& s);

}  // namespace vkvae::ops
