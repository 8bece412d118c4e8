// One whole training step recorded into one command buffer and replayed step after step:
//   the program (gather → forward → losses → backward, derived by autodiff)
//   → gradient norm; non-finite check, loss sums for the metrics and counters advanced in one
//     dispatch (ops/step_bookkeeping.hpp)
//   → the optimizer over the parameter arena.
// The step count, the RNG step and the batch cursor live on the device and advance inside the
// recording, so submitting the same command buffer again trains on the next batch with fresh
// noise; the host only reads the metrics when it wants them.
#pragma once

#include <memory>
#include <vector>

#include "graph/program.hpp"
#include "ops/optimizer.hpp"

namespace vkvae::train {

// State tensors of the graph that a step reads and advances.
struct StepCounters {
  graph::TensorId step;    // (1) u32: optimizer steps taken
  graph::TensorId rng;     // (4) u32: seed and RNG step
  graph::TensorId cursor;  // (1) u32: where the next batch starts in the epoch's order
};

struct StepConfig {
  ops::OptimizerKind optimizer = ops::OptimizerKind::adam;
  ops::OptimizerOptions options;
  uint32_t batch = 1;
  std::vector<graph::TensorId> losses;  // per-example loss terms, summed into the metrics
};

class TrainStep {
 public:
  // Differentiates `graph` (its loss terms are the objective), adds the optimizer's state
  // tensors and compiles it. Gradients and optimizer moments start at zero.
  TrainStep(vk::Context& context, ops::Kernels& kernels, graph::Graph& graph, const StepCounters& counters,
            const StepConfig& config);

  // `timestamps`: profile the program's nodes (see graph::Program::record).
  void record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps = nullptr);

  // Sets the state a run starts from: the RNG to (seed, step 0), the step count, the batch
  // cursor, the non-finite flag and the metric sums to zero, and the optimizer's
  // hyperparameters. Parameters and data are the caller's.
  void reset(uint64_t seed, const ops::OptimizerHyper& hyper);

  graph::Program& program() { return *program_; }
  const graph::Program& program() const { return *program_; }
  // (8) f32 hyperparameters (ops::OptimizerHyper), (1) u32 non-finite flag, and the running
  // sum of loss term `term` (in StepConfig::losses order) as a (1) f32 device tensor.
  graph::TensorId hyper() const { return hyper_; }
  graph::TensorId nonfinite() const { return nonfinite_; }
  ops::Tensor metric_sum(std::size_t term) const;
  // The optimizer's state in the gradient arena's layout: Adam's first (0) and second (1)
  // moments; SGD keeps its momentum in the first.
  vk::Buffer& moment(int which) { return which == 0 ? *m_ : *v_; }

 private:
  vk::Context& context_;
  ops::Kernels& kernels_;
  StepCounters counters_;
  StepConfig config_;
  graph::TensorId hyper_, nonfinite_, grad_norm_sq_, partials_;
  graph::TensorId metric_sums_;  // (losses) f32
  std::unique_ptr<graph::Program> program_;
  std::unique_ptr<vk::Buffer> m_, v_;
};

}  // namespace vkvae::train
