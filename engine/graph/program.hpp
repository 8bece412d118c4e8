// A graph compiled for a device: parameters and their gradients in two flat arenas of the same
// layout (so the optimizer is one dispatch over each), inputs and state in their own buffer,
// activations in one planned arena whose bytes are shared by tensors that are never live
// together, and the nodes grouped into levels between barriers. record() writes the whole
// program into a command buffer, which can be replayed.
#pragma once

#include <memory>
#include <vector>

#include "graph/graph.hpp"
#include "graph/plan.hpp"
#include "vk/timestamps.hpp"

namespace vkvae::graph {

struct ProgramStats {
  uint32_t nodes = 0;
  uint32_t barriers = 0;         // between levels, plus one at each end of the program
  uint32_t dispatches = 0;       // counted by the last record()
  uint64_t parameter_bytes = 0;  // the parameter arena (the gradient arena is the same size)
  uint64_t activation_bytes = 0; // the planned activation arena
  uint64_t naive_activation_bytes = 0;  // what the activations would take without sharing
};

// A graph tensor that lives in memory the program does not own: another program's parameters,
// dataset or counters, so that an evaluation or decode program reads what training writes.
struct Binding {
  TensorId tensor;
  ops::Tensor device;
};

class Program;

// Levels [first, end) of a program's schedule: a part of its run. A step that overlaps the
// exchange of gradients with the backward pass records its program in parts, the host taking the
// gradients that one part finishes while the device runs the next.
struct LevelRange {
  uint32_t first = 0, end = UINT32_MAX;  // end past the last level: to the program's end
};

// Where a parameter's gradient lives in the gradient arena, and the last level of the schedule
// that writes it: after that level the gradient is final for the run.
struct GradientSpan {
  uint64_t offset = 0, bytes = 0;
  uint32_t last_level = 0;
};

// Bindings for the tensors of `graph` with one of `roles` to the tensors of the same name, shape
// and type in `other` (compiled from `other_graph`). Throws vkvae::Error naming a tensor that
// has no counterpart.
std::vector<Binding> bind_by_name(const Graph& graph, const Program& other, const Graph& other_graph,
                                  const std::vector<Role>& roles);

class Program {
 public:
  // Plans and allocates memory for every node of `graph`. `outputs` are activations the host
  // reads after a run (losses, samples): they stay live to the end instead of sharing their
  // bytes once no node reads them. `external` tensors use the memory they are bound to (not
  // gradients or activations). The graph must outlive the program.
  Program(vk::Context& context, ops::Kernels& kernels, const Graph& graph, const std::vector<TensorId>& outputs = {},
          const std::vector<Binding>& external = {});

  // Records the program: a barrier that orders it after earlier submissions, the levels with
  // barriers between them, and a barrier that makes its writes visible to the host. With
  // `timestamps` (at least nodes + 1 queries) it also writes one timestamp before the first
  // node and one after each node, for node_times(). `shard`: the rows of a larger batch this
  // run computes (see BatchShard). `levels`: record only those (each part with the barriers at
  // both ends), so that the parts recorded one after another are the whole program; timestamps
  // only with the whole.
  void record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps = nullptr, const BatchShard& shard = {},
              const LevelRange& levels = {});

  struct NodeTime {
    uint32_t node;
    std::string op;
    double gpu_us;
    std::vector<std::string> kernels;  // the shaders it dispatched
  };
  // Per-node GPU time of the last run recorded with timestamps, in execution order: the time
  // from the previous node's end to this node's end (a recording with timestamps runs each node
  // alone, a barrier after it, so that no time belongs to two nodes).
  std::vector<NodeTime> node_times(const vk::TimestampQueries& timestamps) const;
  // A readable table: the program's figures, then GPU time by op, largest first.
  std::string profile(const std::vector<NodeTime>& times) const;

  // The device tensor of a graph tensor.
  ops::Tensor tensor(TensorId id) const;
  // All parameters (or gradients) as one flat f32 tensor, for the optimizer and checkpoints.
  ops::Tensor parameter_arena() const;
  ops::Tensor gradient_arena() const;

  // Every parameter's gradient span, in arena order.
  std::vector<GradientSpan> gradient_spans() const;

  const ProgramStats& stats() const { return stats_; }
  const Schedule& schedule() const { return schedule_; }

 private:
  struct Placement {
    int arena = -1;  // index into buffers_
    uint64_t offset = 0;
  };

  vk::Context& context_;
  ops::Kernels& kernels_;
  const Graph& graph_;
  std::vector<std::unique_ptr<vk::Buffer>> buffers_;  // parameters, gradients, io, activations
  std::vector<ops::Tensor> external_;                 // bound tensors: arena kExternal + index
  std::vector<Placement> placement_;                  // per tensor
  std::vector<Placement> workspace_;                  // per node (arena -1: none)
  std::vector<uint64_t> workspace_elements_;
  std::vector<std::vector<std::string>> node_kernels_;  // per node: its shaders, when profiled
  Schedule schedule_;
  ProgramStats stats_;
};

}  // namespace vkvae::graph
