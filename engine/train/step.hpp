// One whole training step recorded into one command buffer and replayed step after step:
//   the program (gather → forward → losses → backward, derived by autodiff)
//   → gradient norm; non-finite check, loss sums for the metrics and counters advanced in one
//     dispatch (ops/step_bookkeeping.hpp)
//   → the optimizer over the parameter arena.
// The step count, the RNG step and the batch cursor live on the device and advance inside the
// recording, so submitting the same command buffer again trains on the next batch with fresh
// noise; the host only reads the metrics when it wants them.
//
// A step may compute its batch in shards: the program (whose batch is a shard's) runs once a
// shard, each run gathering the rows, and drawing the noise, of the whole batch at its place
// (graph::BatchShard), and the shards' gradients are added in one fixed tree (gradient_tree.hpp).
// Shards may be spread over replicas, one a device, each computing its own shards: it records
// record_gradients, the host exchanges the replicas' sums (exchange_gradients), and it records
// record_update. The tree is the same however the shards are spread, so one, two or four
// replicas train to the same bits.
//
// A replica's gradients leave in buckets (gradient_buckets.hpp): its last shard's program is
// recorded in parts, each ending with the sum and the copy out of the bucket it finishes, so that
// the host can exchange one bucket while the device computes the next. Each element is added in
// the same order however the arena is cut, so the buckets change when, not what.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "graph/program.hpp"
#include "ops/optimizer.hpp"
#include "train/gradient_buckets.hpp"

namespace vkvae::train {

class Peers;

// Host memory an exchange between ranks stages its buckets in, kept from step to step (fresh
// pages every step would cost page faults on the hot path).
struct ExchangeScratch {
  std::vector<std::byte> block, gathered;
};

// State tensors of the graph that a step reads and advances.
struct StepCounters {
  graph::TensorId step;    // (1) u32: optimizer steps taken
  graph::TensorId rng;     // (4) u32: seed and RNG step
  graph::TensorId cursor;  // (1) u32: where the next batch starts in the epoch's order
};

struct StepConfig {
  ops::OptimizerKind optimizer = ops::OptimizerKind::adam;
  ops::OptimizerOptions options;
  uint32_t batch = 1;  // the whole batch: the cursor moves on by it (the graph's batch is a shard's)
  // The batch in `shards` equal shards; this step computes [first_shard, first_shard +
  // local_shards) of them (all of them when it is the only replica). local_shards is a power of
  // two, and first_shard a multiple of it, so that its sum is a node of the tree.
  uint32_t shards = 1, first_shard = 0, local_shards = 1;
  std::vector<graph::TensorId> losses;  // per-example loss terms, summed into the metrics
  // A replica of several: the size its gradients leave in (0: all at once, at the end).
  uint64_t bucket_bytes = kDefaultBucketBytes;
  uint32_t replicas() const { return shards / local_shards; }
};

class TrainStep {
 public:
  // Differentiates `graph` (its loss terms are the objective), adds the optimizer's state
  // tensors and compiles it. Gradients and optimizer moments start at zero.
  TrainStep(vk::Context& context, ops::Kernels& kernels, graph::Graph& graph, const StepCounters& counters,
            const StepConfig& config);

  // The whole step; only for a step that is the only replica. `timestamps`: profile the
  // program's nodes (of its first shard; see graph::Program::record).
  void record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps = nullptr);
  // A replica's step in two halves: its shards' gradients, summed and copied to host-visible
  // memory, in parts (one a bucket: the part ends when that bucket is out); then, once every
  // replica's sum has been copied in (exchange_gradients, a bucket at a time), their sum and the
  // update. `phases` (phase_timestamps() queries): timestamps that split the halves into
  // computing and staging — at the start; before and after each part's staging; then at the
  // update's start, after its copy in and at its end.
  uint32_t gradient_parts() const { return static_cast<uint32_t>(buckets_.size()); }
  const std::vector<GradientBucket>& buckets() const { return buckets_; }
  uint32_t phase_timestamps() const { return 2 * gradient_parts() + 4; }
  void record_gradients(vk::CommandBuffer& commands, uint32_t part, const vk::TimestampQueries* phases = nullptr);
  void record_update(vk::CommandBuffer& commands, const vk::TimestampQueries* phases = nullptr);
  // The device time of a step recorded with `phases`, split: {computing, staging} in ns.
  std::pair<double, double> phase_split(const vk::TimestampQueries& phases) const;

  // Sets the state a run starts from: the RNG to (seed, step 0), the step count, the batch
  // cursor, the non-finite flag and the metric sums to zero, and the optimizer's
  // hyperparameters. Parameters and data are the caller's.
  void reset(uint64_t seed, const ops::OptimizerHyper& hyper);

  const StepConfig& config() const { return config_; }
  graph::Program& program() { return *program_; }
  const graph::Program& program() const { return *program_; }
  // (8) f32 hyperparameters (ops::OptimizerHyper), (1) u32 non-finite flag, and the running
  // sum of loss term `term` (in StepConfig::losses order) over local shard `shard` as a (1) f32
  // device tensor.
  graph::TensorId hyper() const { return hyper_; }
  graph::TensorId nonfinite() const { return nonfinite_; }
  ops::Tensor metric_sum(std::size_t shard, std::size_t term) const;
  // The optimizer's state in the gradient arena's layout: Adam's first (0) and second (1)
  // moments; SGD keeps its momentum in the first.
  vk::Buffer& moment(int which) { return which == 0 ? *m_ : *v_; }

 private:
  friend void exchange_gradients(std::span<TrainStep* const> replicas, uint32_t part, Peers* peers, ExchangeScratch& scratch);
  std::vector<ops::Tensor> loss_tensors() const;
  // Shard j's run (whole, or the levels of part `part` of it), its loss sums and its copy into its slot.
  void record_shard(vk::CommandBuffer& commands, uint32_t j, const vk::TimestampQueries* timestamps, const graph::LevelRange& levels);
  // The sum of bucket `part` over the local shards, and its copy out.
  void record_staging(vk::CommandBuffer& commands, uint32_t part);
  ops::Tensor metric_sums(uint32_t shard) const;  // (losses) f32: local shard `shard`'s

  vk::Context& context_;
  ops::Kernels& kernels_;
  StepCounters counters_;
  StepConfig config_;
  graph::TensorId hyper_, nonfinite_, grad_norm_sq_, partials_;
  std::vector<graph::TensorId> metric_sums_;  // (losses) f32 a local shard
  std::unique_ptr<graph::Program> program_;
  std::unique_ptr<vk::Buffer> m_, v_;
  // Shards: a copy of the gradient arena per local shard (or per replica, for their sums),
  // and the host-visible memory a replica's sum leaves by and every replica's sum comes in by.
  std::unique_ptr<vk::Buffer> slots_, outgoing_, incoming_;
  std::vector<GradientBucket> buckets_;  // one, the whole arena, unless the sums are exchanged
};

// Copies bucket `part` of every replica's sum into every replica's host-visible memory, in its
// slot: `replicas` are this process's; with `peers`, each rank's (as many on each, numbered rank
// by rank) reach the others through Peers::all_gather, staged in `scratch`. The replicas' part
// `part` of record_gradients must have run, and no record_update be running.
void exchange_gradients(std::span<TrainStep* const> replicas, uint32_t part, Peers* peers, ExchangeScratch& scratch);

}  // namespace vkvae::train
