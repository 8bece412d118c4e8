#include "train/step.hpp"

#include <cstring>

#include "graph/autodiff.hpp"
#include "graph/fuse.hpp"
#include "ops/random.hpp"
#include "ops/step_bookkeeping.hpp"
#include "train/gradient_tree.hpp"
#include "train/peers.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

// Bytes between gradient copies in one buffer: each starts where a storage binding may.
VkDeviceSize slot_stride(VkDeviceSize bytes) {
  constexpr VkDeviceSize kAlign = 256;  // the largest minStorageBufferOffsetAlignment Vulkan allows
  return (bytes + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

TrainStep::TrainStep(vk::Context& context, ops::Kernels& kernels, graph::Graph& graph, const StepCounters& counters,
                     const StepConfig& config)
    : context_(context), kernels_(kernels), counters_(counters), config_(config) {
  if (config.losses.empty() || config.losses.size() > ops::kMaxStepLosses) {
    throw Error("a training step takes 1 to " + std::to_string(ops::kMaxStepLosses) + " loss terms");
  }
  if (config.local_shards == 0 || config.first_shard % config.local_shards != 0 || config.first_shard + config.local_shards > config.shards) {
    throw Error("internal: shards [" + std::to_string(config.first_shard) + ", +" + std::to_string(config.local_shards) + ") of " +
                std::to_string(config.shards));
  }
  if (const std::string problem = shard_split_problem(config.batch, config.shards, config.replicas()); !problem.empty()) {
    throw Error("internal: " + problem);
  }
  graph::differentiate(graph);
  graph::fuse_activation_gradients(graph);
  hyper_ = graph.state("optimizer_hyper", {8});
  nonfinite_ = graph.state("nonfinite", {1}, ops::DType::u32);
  grad_norm_sq_ = graph.state("grad_norm_sq", {1});
  partials_ = graph.state("grad_norm_partials", {ops::kMaxPartials});
  // A tensor a local shard (each bound where a storage binding may start).
  for (uint32_t j = 0; j < config.local_shards; ++j) {
    metric_sums_.push_back(graph.state(j == 0 ? "metric_sums" : "metric_sums_" + std::to_string(j), {static_cast<int64_t>(config.losses.size())}));
  }
  program_ = std::make_unique<graph::Program>(context, kernels, graph, config.losses);

  // Gradients (the arena's alignment gaps too) and the optimizer's moments start at zero.
  const ops::Tensor grads = program_->gradient_arena();
  m_ = std::make_unique<vk::Buffer>(context.buffer(grads.bytes()));
  v_ = std::make_unique<vk::Buffer>(context.buffer(grads.bytes()));
  vk::CommandBuffer zero = context.commands();
  zero.begin();
  for (const vk::Buffer* b : std::initializer_list<const vk::Buffer*>{grads.buffer, m_.get(), v_.get()}) {
    zero.fill(*b, 0, grads.bytes(), 0u);
  }
  zero.barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite);
  zero.end();
  context.submit_and_wait(zero);

  const VkDeviceSize stride = slot_stride(grads.bytes());
  if (config.shards > 1) slots_ = std::make_unique<vk::Buffer>(context.buffer(stride * std::max(config.local_shards, config.replicas())));
  const uint32_t levels = program_->schedule().levels;
  if (config.replicas() > 1) {
    outgoing_ = std::make_unique<vk::Buffer>(context.buffer(grads.bytes(), vk::MemoryUse::Readback));
    incoming_ = std::make_unique<vk::Buffer>(context.buffer(stride * config.replicas(), vk::MemoryUse::Upload));
    // Zero until the first exchange: an update recorded before it (a profile's) adds zeros, and
    // the arena's alignment gaps, copied through here every step, stay zero.
    std::memset(incoming_->mapped(), 0, incoming_->size());
    incoming_->flush(0, incoming_->size());
    buckets_ = plan_gradient_buckets(program_->gradient_spans(), grads.bytes(), levels, config.bucket_bytes);
  } else {
    buckets_ = {{0, grads.bytes(), levels}};
  }
}

void TrainStep::reset(uint64_t seed, const ops::OptimizerHyper& hyper) {
  graph::Program& p = *program_;
  const auto put = [&](graph::TensorId id, std::span<const std::byte> bytes) {
    const ops::Tensor t = p.tensor(id);
    context_.upload(*t.buffer, t.offset, bytes);
  };
  const ops::RngState state = ops::RngState::from(seed, 0);
  put(counters_.rng, std::as_bytes(std::span<const ops::RngState, 1>(&state, 1)));
  const uint32_t zero = 0;
  for (graph::TensorId t : {counters_.step, counters_.cursor, nonfinite_}) put(t, std::as_bytes(std::span<const uint32_t, 1>(&zero, 1)));
  const std::vector<float> zeros(config_.losses.size(), 0.0f);
  for (graph::TensorId sums : metric_sums_) put(sums, std::as_bytes(std::span<const float>(zeros)));
  put(hyper_, std::as_bytes(std::span<const ops::OptimizerHyper, 1>(&hyper, 1)));
}

std::vector<ops::Tensor> TrainStep::loss_tensors() const {
  std::vector<ops::Tensor> losses;
  for (graph::TensorId loss : config_.losses) losses.push_back(program_->tensor(loss));
  return losses;
}

ops::Tensor TrainStep::metric_sums(uint32_t shard) const { return program_->tensor(metric_sums_.at(shard)); }

ops::Tensor TrainStep::metric_sum(std::size_t shard, std::size_t term) const {
  if (term >= config_.losses.size()) throw Error("the step has no loss term " + std::to_string(term));
  if (shard >= config_.local_shards) throw Error("the step has no local shard " + std::to_string(shard));
  ops::Tensor t = metric_sums(static_cast<uint32_t>(shard));
  t.offset += term * sizeof(float);
  t.shape = {1};
  return t;
}

void TrainStep::record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps) {
  if (config_.replicas() > 1) throw Error("internal: a replica's step is recorded in halves");
  for (uint32_t j = 0; j < config_.local_shards; ++j) record_shard(commands, j, j == 0 ? timestamps : nullptr, {});
  record_staging(commands, 0);
  record_update(commands);
}

void TrainStep::record_gradients(vk::CommandBuffer& commands, uint32_t part, const vk::TimestampQueries* phases) {
  if (part >= gradient_parts()) throw Error("internal: the step has no gradient part " + std::to_string(part));
  if (phases != nullptr && part == 0) {
    commands.reset_queries(*phases, 0, phase_timestamps());
    commands.write_timestamp(*phases, 0);
  }
  const uint32_t last = config_.local_shards - 1;
  if (part == 0) {
    for (uint32_t j = 0; j < last; ++j) record_shard(commands, j, nullptr, {});
  }
  record_shard(commands, last, nullptr, part_levels(buckets_, part));
  if (phases != nullptr) commands.write_timestamp(*phases, 2 * part + 1);
  record_staging(commands, part);
  if (phases != nullptr) commands.write_timestamp(*phases, 2 * part + 2);
}

void TrainStep::record_shard(vk::CommandBuffer& commands, uint32_t j, const vk::TimestampQueries* timestamps,
                             const graph::LevelRange& levels) {
  graph::Program& p = *program_;
  const uint32_t rows = config_.batch / config_.shards;
  const graph::BatchShard shard = config_.shards > 1 ? graph::BatchShard{(config_.first_shard + j) * rows, rows} : graph::BatchShard{};
  p.record(commands, timestamps, shard, levels);  // ends with its writes visible to compute and transfers
  if (levels.end != UINT32_MAX) return;            // the run goes on in the next part
  if (config_.local_shards > 1) {
    // The shard's loss sums now, before the next shard's run overwrites its losses. (With one
    // local shard they are still there for record_update's bookkeeping, which sums them.)
    ops::Encoder enc(kernels_, commands);
    ops::StepBookkeeping books;
    books.nonfinite = p.tensor(nonfinite_);
    books.losses = loss_tensors();
    books.metric_sums = metric_sums(j);
    books.advance = false;
    ops::step_bookkeeping(enc, books);
  }
  // Each shard but the last into its slot; the last one's goes bucket by bucket (record_staging).
  const ops::Tensor grads = p.gradient_arena();
  if (j + 1 < config_.local_shards) commands.copy(*grads.buffer, grads.offset, *slots_, j * slot_stride(grads.bytes()), grads.bytes());
}

void TrainStep::record_staging(vk::CommandBuffer& commands, uint32_t part) {
  if (!slots_) return;  // one shard: its gradients are the step's, where the optimizer reads them
  const ops::Tensor grads = program_->gradient_arena();
  const VkDeviceSize stride = slot_stride(grads.bytes());
  const GradientBucket& bucket = buckets_[part];
  const uint32_t last = config_.local_shards - 1;
  if (last > 0) {
    commands.copy(*grads.buffer, grads.offset + bucket.offset, *slots_, last * stride + bucket.offset, bucket.bytes);
    commands.barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite);
    ops::Encoder enc(kernels_, commands);
    record_tree_sum(enc, *slots_, config_.local_shards, static_cast<int64_t>(bucket.offset / sizeof(float)),
                    static_cast<int64_t>(bucket.bytes / sizeof(float)), stride);
  }
  if (outgoing_) {
    // The local sum (a lone shard's gradients are their own) out to the host.
    commands.barrier(vk::kComputeWrite, vk::kTransferRead);
    if (last > 0) {
      commands.copy(*slots_, bucket.offset, *outgoing_, bucket.offset, bucket.bytes);
    } else {
      commands.copy(*grads.buffer, grads.offset + bucket.offset, *outgoing_, bucket.offset, bucket.bytes);
    }
    commands.barrier(vk::kTransferWrite, vk::kHostRead);
  }
}

void TrainStep::record_update(vk::CommandBuffer& commands, const vk::TimestampQueries* phases) {
  graph::Program& p = *program_;
  const ops::Tensor grads = p.gradient_arena();
  if (slots_) {
    // The replicas' sums (or this replica's own) into the gradient arena, added in the tree's order.
    if (incoming_) {
      const VkDeviceSize stride = slot_stride(grads.bytes());
      const uint32_t phase = 2 * gradient_parts() + 1;
      commands.barrier(vk::kHostWrite | vk::kComputeRead | vk::kComputeWrite, vk::kTransferRead | vk::kTransferWrite);
      if (phases != nullptr) commands.write_timestamp(*phases, phase);
      commands.copy(*incoming_, 0, *slots_, 0, stride * config_.replicas());
      commands.barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite);
      if (phases != nullptr) commands.write_timestamp(*phases, phase + 1);
      ops::Encoder enc(kernels_, commands);
      record_tree_sum(enc, *slots_, config_.replicas(), 0, grads.numel(), stride);
    }
    commands.barrier(vk::kComputeWrite, vk::kTransferRead);
    commands.copy(*slots_, 0, *grads.buffer, grads.offset, grads.bytes());
    commands.barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite);
  }
  ops::Encoder enc(kernels_, commands);
  // Independent of each other: one level.
  if (config_.options.clip) ops::grad_norm_sq(enc, p.tensor(grad_norm_sq_), grads, p.tensor(partials_));
  ops::StepBookkeeping books;  // the flag and the counters (and the loss sums of a lone local shard)
  books.grads = grads;
  books.nonfinite = p.tensor(nonfinite_);
  if (config_.local_shards == 1) {
    books.losses = loss_tensors();
    books.metric_sums = metric_sums(0);
  }
  books.step = p.tensor(counters_.step), books.rng = p.tensor(counters_.rng), books.cursor = p.tensor(counters_.cursor);
  books.batch = config_.batch;
  ops::step_bookkeeping(enc, books);
  enc.barrier();
  const ops::Tensor params = p.parameter_arena();
  const ops::Tensor m{m_.get(), 0, params.shape}, v{v_.get(), 0, params.shape};
  ops::optimizer_step(enc, config_.optimizer,
                      {params, grads, m, v, p.tensor(hyper_), p.tensor(counters_.step), p.tensor(grad_norm_sq_), p.tensor(nonfinite_)},
                      config_.options);
  commands.barrier(vk::kComputeWrite, vk::kHostRead | vk::kTransferRead | vk::kComputeRead | vk::kComputeWrite);
  if (phases != nullptr) commands.write_timestamp(*phases, 2 * gradient_parts() + 3);
}

std::pair<double, double> TrainStep::phase_split(const vk::TimestampQueries& phases) const {
  const uint32_t parts = gradient_parts();
  const std::vector<double> ns = phases.read_ns(0, phase_timestamps());
  double staging = ns[2 * parts + 2] - ns[2 * parts + 1];  // the update's copy in
  for (uint32_t k = 0; k < parts; ++k) staging += ns[2 * k + 2] - ns[2 * k + 1];
  const double total = (ns[2 * parts] - ns[0]) + (ns[2 * parts + 3] - ns[2 * parts + 1]);
  return {total - staging, staging};
}

void exchange_gradients(std::span<TrainStep* const> replicas, uint32_t part, Peers* peers, ExchangeScratch& scratch) {
  const TrainStep& first = *replicas.front();
  const GradientBucket bucket = first.buckets_.at(part);
  const VkDeviceSize stride = slot_stride(first.program_->gradient_arena().bytes());
  const uint32_t count = first.config_.replicas();
  for (const TrainStep* from : replicas) from->outgoing_->invalidate(bucket.offset, bucket.bytes);
  const auto copy_in = [&](const std::byte* source, uint32_t index) {
    for (const TrainStep* to : replicas) std::memcpy(to->incoming_->mapped() + index * stride + bucket.offset, source, bucket.bytes);
  };
  if (peers == nullptr) {
    for (const TrainStep* from : replicas) {
      copy_in(from->outgoing_->mapped() + bucket.offset, from->config_.first_shard / from->config_.local_shards);
    }
  } else {
    // This rank's buckets side by side, then every rank's in rank order: the replicas' order.
    std::vector<std::byte>& block = scratch.block;
    block.resize(bucket.bytes * replicas.size());
    scratch.gathered.resize(block.size() * static_cast<std::size_t>(peers->size()));
    for (std::size_t i = 0; i < replicas.size(); ++i) {
      std::memcpy(block.data() + i * bucket.bytes, replicas[i]->outgoing_->mapped() + bucket.offset, bucket.bytes);
    }
    peers->all_gather(block, scratch.gathered);
    for (uint32_t index = 0; index < count; ++index) copy_in(scratch.gathered.data() + index * bucket.bytes, index);
  }
  for (const TrainStep* to : replicas) {
    for (uint32_t index = 0; index < count; ++index) to->incoming_->flush(index * stride + bucket.offset, bucket.bytes);
  }
}

}  // namespace vkvae::train
