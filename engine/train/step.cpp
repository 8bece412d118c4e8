#include "train/step.hpp"

#include "graph/autodiff.hpp"
#include "graph/fuse.hpp"
#include "ops/random.hpp"
#include "ops/step_bookkeeping.hpp"
#include "util/error.hpp"

namespace vkvae::train {

TrainStep::TrainStep(vk::Context& context, ops::Kernels& kernels, graph::Graph& graph, const StepCounters& counters,
                     const StepConfig& config)
    : context_(context), kernels_(kernels), counters_(counters), config_(config) {
  if (config.losses.empty() || config.losses.size() > ops::kMaxStepLosses) {
    throw Error("a training step takes 1 to " + std::to_string(ops::kMaxStepLosses) + " loss terms");
  }
  graph::differentiate(graph);
  graph::fuse_activation_gradients(graph);
  hyper_ = graph.state("optimizer_hyper", {8});
  nonfinite_ = graph.state("nonfinite", {1}, ops::DType::u32);
  grad_norm_sq_ = graph.state("grad_norm_sq", {1});
  partials_ = graph.state("grad_norm_partials", {ops::kMaxPartials});
  metric_sums_ = graph.state("metric_sums", {static_cast<int64_t>(config.losses.size())});
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
  put(metric_sums_, std::as_bytes(std::span<const float>(zeros)));
  put(hyper_, std::as_bytes(std::span<const ops::OptimizerHyper, 1>(&hyper, 1)));
}

ops::Tensor TrainStep::metric_sum(std::size_t term) const {
  if (term >= config_.losses.size()) throw Error("the step has no loss term " + std::to_string(term));
  ops::Tensor t = program_->tensor(metric_sums_);
  t.offset += term * sizeof(float);
  t.shape = {1};
  return t;
}

void TrainStep::record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps) {
  graph::Program& p = *program_;
  p.record(commands, timestamps);  // ends with its writes visible to compute
  ops::Encoder enc(kernels_, commands);
  const ops::Tensor grads = p.gradient_arena();
  // Independent of each other: one level.
  if (config_.options.clip) ops::grad_norm_sq(enc, p.tensor(grad_norm_sq_), grads, p.tensor(partials_));
  ops::StepBookkeeping books;
  books.grads = grads;
  books.nonfinite = p.tensor(nonfinite_);
  for (graph::TensorId loss : config_.losses) books.losses.push_back(p.tensor(loss));
  books.metric_sums = p.tensor(metric_sums_);
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
}

}  // namespace vkvae::train
