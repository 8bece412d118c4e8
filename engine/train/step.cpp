#include "train/step.hpp"

#include "graph/autodiff.hpp"
#include "ops/data.hpp"
#include "ops/loss.hpp"
#include "util/error.hpp"

namespace vkvae::train {

TrainStep::TrainStep(vk::Context& context, ops::Kernels& kernels, graph::Graph& graph, const StepCounters& counters,
                     const StepConfig& config)
    : context_(context), kernels_(kernels), counters_(counters), config_(config) {
  if (config.losses.empty()) throw Error("a training step needs at least one loss term");
  graph::differentiate(graph);
  hyper_ = graph.state("optimizer_hyper", {8});
  nonfinite_ = graph.state("nonfinite", {1}, ops::DType::u32);
  grad_norm_sq_ = graph.state("grad_norm_sq", {1});
  partials_ = graph.state("grad_norm_partials", {ops::kMaxPartials});
  for (std::size_t i = 0; i < config.losses.size(); ++i) {
    metrics_.push_back(graph.state("metric_" + graph.info(config.losses[i]).name, {1}));
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
}

void TrainStep::record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps) {
  graph::Program& p = *program_;
  p.record(commands, timestamps);  // ends with its writes visible to compute
  ops::Encoder enc(kernels_, commands);
  const ops::Tensor grads = p.gradient_arena();
  // Independent of each other: one level.
  if (config_.options.clip) ops::grad_norm_sq(enc, p.tensor(grad_norm_sq_), grads, p.tensor(partials_));
  ops::check_finite(enc, p.tensor(nonfinite_), grads);
  for (std::size_t i = 0; i < config_.losses.size(); ++i) {
    ops::reduce_sum(enc, p.tensor(metrics_[i]), p.tensor(config_.losses[i]), 1.0f, /*accumulate=*/true);
  }
  ops::advance_counters(enc, p.tensor(counters_.step), p.tensor(counters_.rng), p.tensor(counters_.cursor), config_.batch);
  enc.barrier();
  const ops::Tensor params = p.parameter_arena();
  const ops::Tensor m{m_.get(), 0, params.shape}, v{v_.get(), 0, params.shape};
  ops::optimizer_step(enc, config_.optimizer,
                      {params, grads, m, v, p.tensor(hyper_), p.tensor(counters_.step), p.tensor(grad_norm_sq_), p.tensor(nonfinite_)},
                      config_.options);
  commands.barrier(vk::kComputeWrite, vk::kHostRead | vk::kTransferRead | vk::kComputeRead | vk::kComputeWrite);
}

}  // namespace vkvae::train
