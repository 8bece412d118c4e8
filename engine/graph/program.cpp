#include "graph/program.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "util/error.hpp"
#include "util/format.hpp"

namespace vkvae::graph {
namespace {

enum Arena { kParameters = 0, kGradients = 1, kIo = 2, kActivations = 3, kExternal = 4 };

uint64_t bytes_of(const TensorInfo& t) {
  return (static_cast<uint64_t>(t.shape.numel()) * ops::dtype_bytes(t.dtype) + 3) / 4 * 4;
}

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Arenas never share bytes: give each a disjoint stretch of one address space for the hazard
// analysis.
constexpr uint64_t kArenaStride = uint64_t{1} << 48;

}  // namespace

Program::Program(vk::Context& context, ops::Kernels& kernels, const Graph& graph, const std::vector<TensorId>& outputs,
                 const std::vector<Binding>& external)
    : context_(context), kernels_(kernels), graph_(graph) {
  // Offsets are multiples of 256: the largest minStorageBufferOffsetAlignment vendors report,
  // and a multiple of 16 for the vec4 kernels.
  const uint64_t alignment = std::max<uint64_t>(256, context.info().min_storage_buffer_offset_alignment);
  const std::size_t tensor_count = graph.tensor_count();
  placement_.resize(tensor_count);

  for (const Binding& b : external) {
    const TensorInfo& info = graph.info(b.tensor);
    if (info.view_of.valid() || info.role == Role::gradient || info.role == Role::activation) {
      throw Error("tensor '" + info.name + "' cannot be bound to outside memory: only parameters, inputs and state can");
    }
    if (b.device.buffer == nullptr || b.device.dtype != info.dtype || b.device.bytes() < bytes_of(info)) {
      throw Error("tensor '" + info.name + "' " + info.shape.str() + " does not fit the memory it is bound to");
    }
    placement_[b.tensor.index] = {static_cast<int>(kExternal + external_.size()), b.device.offset};
    external_.push_back(b.device);
  }

  // Parameters, and gradients at the same offsets in their own arena.
  uint64_t params = 0, io = 0;
  for (uint32_t t = 0; t < tensor_count; ++t) {
    const TensorInfo& info = graph.info({t});
    if (info.view_of.valid() || placement_[t].arena >= kExternal) continue;
    if (info.role == Role::parameter) {
      placement_[t] = {kParameters, params};
      params = align_up(params + bytes_of(info), alignment);
    } else if (info.role == Role::input || info.role == Role::state) {
      placement_[t] = {kIo, io};
      io = align_up(io + bytes_of(info), alignment);
    }
  }
  for (uint32_t t = 0; t < tensor_count; ++t) {
    const TensorInfo& info = graph.info({t});
    if (info.view_of.valid() || info.role != Role::gradient) continue;
    if (!info.gradient_of.valid()) throw Error("gradient '" + info.name + "' names no parameter");
    if (placement_[info.gradient_of.index].arena != kParameters) {
      throw Error("gradient '" + info.name + "' belongs to a parameter bound to outside memory; train where it lives");
    }
    placement_[t] = {kGradients, placement_[info.gradient_of.index].offset};
  }

  // Activations and workspaces: plan them over the nodes in program order.
  const std::vector<Node>& nodes = graph.nodes();
  std::vector<Step> steps(nodes.size());
  std::vector<uint64_t> plan_bytes(tensor_count, 0);
  workspace_.resize(nodes.size());
  workspace_elements_.resize(nodes.size(), 0);
  node_kernels_.resize(nodes.size());
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    for (TensorId in : node.inputs) steps[n].reads.push_back(graph.storage(in).index);
    for (TensorId out : node.outputs) {
      steps[n].writes.push_back(graph.storage(out).index);
      if (node.accumulate) steps[n].reads.push_back(graph.storage(out).index);
    }
    std::vector<const TensorInfo*> inputs;
    for (TensorId in : node.inputs) inputs.push_back(&graph.info(in));
    workspace_elements_[n] = node.op->workspace_elements(inputs, kernels.profile());
    if (workspace_elements_[n] > 0) {
      steps[n].writes.push_back(static_cast<TensorIndex>(plan_bytes.size()));
      plan_bytes.push_back(workspace_elements_[n] * 4);
    }
  }
  for (uint32_t t = 0; t < tensor_count; ++t) {
    const TensorInfo& info = graph.info({t});
    if (!info.view_of.valid() && info.role == Role::activation) plan_bytes[t] = bytes_of(info);
  }
  // The host reads the outputs after the last node: a final step that reads them keeps them live.
  std::vector<Step> with_readout = steps;
  with_readout.emplace_back();
  for (TensorId out : outputs) with_readout.back().reads.push_back(graph.storage(out).index);
  const std::vector<Interval> live = liveness(with_readout, plan_bytes.size());
  const MemoryPlan plan = plan_memory(plan_bytes, live, alignment);
  for (uint32_t t = 0; t < tensor_count; ++t) {
    if (plan_bytes[t] > 0 && live[t].used()) placement_[t] = {kActivations, plan.ranges[t].offset};
  }
  for (uint32_t n = 0, w = static_cast<uint32_t>(tensor_count); n < nodes.size(); ++n) {
    if (workspace_elements_[n] > 0) workspace_[n] = {kActivations, plan.ranges[w++].offset};
  }

  // Every tensor a node touches must have a home by now.
  for (const Node& node : nodes) {
    for (const auto* list : {&node.inputs, &node.outputs}) {
      for (TensorId id : *list) {
        if (placement_[graph.storage(id).index].arena < 0) {
          throw Error("tensor '" + graph.info(id).name + "' (" + role_name(graph.info(id).role) +
                      ") is used but nothing gives it memory");
        }
      }
    }
  }

  // Hazards on one address space across the arenas.
  std::vector<Range> ranges(plan_bytes.size());
  for (uint32_t t = 0; t < plan_bytes.size(); ++t) {
    if (t < tensor_count) {
      const Placement& p = placement_[t];
      if (p.arena >= 0 && !graph.info({t}).view_of.valid()) ranges[t] = {p.arena * kArenaStride + p.offset, bytes_of(graph.info({t}))};
    } else {
      ranges[t] = {kActivations * kArenaStride + plan.ranges[t].offset, plan_bytes[t]};
    }
  }
  schedule_ = schedule_steps(steps, ranges);

  const auto make = [&](uint64_t bytes) { return std::make_unique<vk::Buffer>(context.buffer(std::max<uint64_t>(bytes, 256))); };
  buffers_.push_back(make(params));
  buffers_.push_back(make(params));
  buffers_.push_back(make(io));
  buffers_.push_back(make(plan.total));
  // Zeroed once: the alignment gaps between tensors are never written, and without this they
  // would hold whatever new memory held, so arenas compared (or checkpointed) byte for byte
  // would differ from run to run.
  vk::CommandBuffer zero = context.commands();
  zero.begin();
  for (const auto& b : buffers_) zero.fill(*b, 0, b->size(), 0u);
  zero.barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite | vk::kTransferRead | vk::kTransferWrite | vk::kHostRead | vk::kHostWrite);
  zero.end();
  context.submit_and_wait(zero);

  stats_.nodes = static_cast<uint32_t>(nodes.size());
  stats_.barriers = static_cast<uint32_t>(schedule_.barrier_before.size()) + 2;
  stats_.parameter_bytes = params;
  stats_.activation_bytes = plan.total;
  stats_.naive_activation_bytes = plan.naive;
}

ops::Tensor Program::tensor(TensorId id) const {
  const TensorInfo& info = graph_.info(id);
  const Placement& p = placement_.at(graph_.storage(id).index);
  if (p.arena < 0) throw Error("tensor '" + info.name + "' is not used by the program");
  const vk::Buffer* buffer = p.arena >= kExternal ? external_[static_cast<std::size_t>(p.arena - kExternal)].buffer
                                                  : buffers_[static_cast<std::size_t>(p.arena)].get();
  return {buffer, p.offset, info.shape, info.dtype};
}

std::vector<Binding> bind_by_name(const Graph& graph, const Program& other, const Graph& other_graph,
                                  const std::vector<Role>& roles) {
  std::map<std::string, TensorId> by_name;
  for (uint32_t t = 0; t < other_graph.tensor_count(); ++t) {
    const TensorInfo& info = other_graph.info({t});
    if (!info.view_of.valid()) by_name.emplace(info.name, TensorId{t});
  }
  std::vector<Binding> bindings;
  for (uint32_t t = 0; t < graph.tensor_count(); ++t) {
    const TensorInfo& info = graph.info({t});
    if (info.view_of.valid() || std::find(roles.begin(), roles.end(), info.role) == roles.end()) continue;
    const auto it = by_name.find(info.name);
    if (it == by_name.end() || !(other_graph.info(it->second).shape == info.shape) ||
        other_graph.info(it->second).dtype != info.dtype) {
      throw Error("tensor '" + info.name + "' " + info.shape.str() + " has no counterpart of that name and shape to bind to");
    }
    bindings.push_back({TensorId{t}, other.tensor(it->second)});
  }
  return bindings;
}

ops::Tensor Program::parameter_arena() const {
  return {buffers_[kParameters].get(), 0, {static_cast<int64_t>(std::max<uint64_t>(stats_.parameter_bytes, 4) / 4)}};
}

ops::Tensor Program::gradient_arena() const {
  return {buffers_[kGradients].get(), 0, {static_cast<int64_t>(std::max<uint64_t>(stats_.parameter_bytes, 4) / 4)}};
}

std::vector<GradientSpan> Program::gradient_spans() const {
  std::vector<uint32_t> last_level(graph_.tensor_count(), 0);
  const std::vector<Node>& nodes = graph_.nodes();
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    for (TensorId out : nodes[n].outputs) {
      uint32_t& level = last_level[graph_.storage(out).index];
      level = std::max(level, schedule_.level[n]);
    }
  }
  std::vector<GradientSpan> spans;
  for (uint32_t t = 0; t < graph_.tensor_count(); ++t) {
    const TensorInfo& info = graph_.info({t});
    if (info.view_of.valid() || info.role != Role::gradient || placement_[t].arena != kGradients) continue;
    spans.push_back({placement_[t].offset, bytes_of(info), last_level[t]});
  }
  std::sort(spans.begin(), spans.end(), [](const GradientSpan& a, const GradientSpan& b) { return a.offset < b.offset; });
  return spans;
}

void Program::record(vk::CommandBuffer& commands, const vk::TimestampQueries* timestamps, const BatchShard& shard,
                     const LevelRange& levels) {
  const uint32_t before = commands.dispatches();
  const uint32_t node_count = static_cast<uint32_t>(graph_.nodes().size());
  const bool whole = levels.first == 0 && levels.end >= schedule_.levels;
  if (timestamps != nullptr && !whole) throw Error("internal: a program is profiled whole, not in parts");
  if (timestamps != nullptr) {
    if (timestamps->count() < node_count + 1) throw Error("profiling needs " + std::to_string(node_count + 1) + " timestamp queries");
    commands.reset_queries(*timestamps, 0, node_count + 1);
  }
  // Order after whatever earlier submissions and host or transfer writes did to these buffers.
  commands.barrier(vk::kComputeWrite | vk::kTransferWrite | vk::kHostWrite, vk::kComputeRead | vk::kComputeWrite);
  if (timestamps != nullptr) commands.write_timestamp(*timestamps, 0);
  ops::Encoder enc(kernels_, commands);
  std::size_t next_barrier = 0;
  const std::vector<Node>& nodes = graph_.nodes();
  for (uint32_t position = 0; position < schedule_.order.size(); ++position) {
    const uint32_t n = schedule_.order[position];
    const bool barrier = next_barrier < schedule_.barrier_before.size() && schedule_.barrier_before[next_barrier] == position;
    if (barrier) ++next_barrier;
    if (schedule_.level[n] < levels.first || schedule_.level[n] >= levels.end) continue;
    if (barrier && schedule_.level[n] > levels.first) enc.barrier();  // (the part's first level follows the one above)
    const Node& node = nodes[n];
    Bound bound;
    for (TensorId in : node.inputs) bound.inputs.push_back(tensor(in));
    for (TensorId out : node.outputs) bound.outputs.push_back(tensor(out));
    bound.accumulate = node.accumulate;
    bound.shard = shard;
    ops::Tensor workspace;
    if (workspace_elements_[n] > 0) {
      workspace = {buffers_[kActivations].get(), workspace_[n].offset, {static_cast<int64_t>(workspace_elements_[n])}};
      bound.workspace = &workspace;
    }
    if (timestamps != nullptr) {
      node_kernels_[n].clear();
      enc.trace_into(&node_kernels_[n]);
    }
    node.op->record(enc, bound);
    if (timestamps != nullptr) {
      enc.trace_into(nullptr);
      // Profiled, each node runs alone: nodes of one level would otherwise overlap, and the time
      // between two timestamps would belong to several of them.
      enc.barrier();
      commands.write_timestamp(*timestamps, position + 1);
    }
  }
  commands.barrier(vk::kComputeWrite, vk::kHostRead | vk::kTransferRead | vk::kComputeRead);
  if (whole) stats_.dispatches = commands.dispatches() - before;
}

std::vector<Program::NodeTime> Program::node_times(const vk::TimestampQueries& timestamps) const {
  const uint32_t count = static_cast<uint32_t>(schedule_.order.size());
  const std::vector<double> ns = timestamps.read_ns(0, count + 1);
  std::vector<NodeTime> times;
  for (uint32_t p = 0; p < count; ++p) {
    const uint32_t n = schedule_.order[p];
    times.push_back({n, graph_.nodes()[n].op->name(), (ns[p + 1] - ns[p]) / 1e3, node_kernels_[n]});
  }
  return times;
}

std::string Program::profile(const std::vector<NodeTime>& times) const {
  std::map<std::string, std::pair<double, int>> by_op;
  std::map<std::string, std::set<std::string>> kernels_of;
  double total = 0;
  for (const NodeTime& t : times) {
    auto& [us, calls] = by_op[t.op];
    us += t.gpu_us;
    ++calls;
    total += t.gpu_us;
    kernels_of[t.op].insert(t.kernels.begin(), t.kernels.end());
  }
  std::vector<std::pair<std::string, std::pair<double, int>>> rows(by_op.begin(), by_op.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  char line[160];
  std::string out;
  std::snprintf(line, sizeof line, "nodes %u, dispatches %u, barriers %u, parameters %s, activations %s (naive %s)\n",
                stats_.nodes, stats_.dispatches, stats_.barriers, format_bytes(stats_.parameter_bytes).c_str(),
                format_bytes(stats_.activation_bytes).c_str(), format_bytes(stats_.naive_activation_bytes).c_str());
  out += line;
  out += "kernels: " + std::string(ops::kernel_kind_name(kernels_.profile().kind)) + "\n";
  std::snprintf(line, sizeof line, "GPU time of the nodes, each run alone: %.1f us\n%-40s %10s %6s %6s  %s\n", total, "op", "us", "share",
                "nodes", "kernels");
  out += line;
  for (const auto& [op, value] : rows) {
    std::string names;
    for (const std::string& k : kernels_of[op]) names += (names.empty() ? "" : ", ") + k;
    std::snprintf(line, sizeof line, "%-40s %10.1f %5.1f%% %6d  ", op.c_str(), value.first, total > 0 ? 100.0 * value.first / total : 0.0,
                  value.second);
    out += line + names + "\n";
  }
  return out;
}

}  // namespace vkvae::graph
