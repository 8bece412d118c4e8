#include "graph/autodiff.hpp"

#include "util/error.hpp"

namespace vkvae::graph {

std::vector<TensorId> differentiate(Graph& graph) {
  const std::size_t forward_nodes = graph.nodes().size();
  // Which tensors depend on a parameter (their gradients are wanted).
  std::vector<bool> wanted(graph.tensor_count(), false);
  for (uint32_t t = 0; t < graph.tensor_count(); ++t) {
    wanted[t] = graph.info({t}).role == Role::parameter;
  }
  bool has_objective = false;
  for (std::size_t n = 0; n < forward_nodes; ++n) {
    const Node& node = graph.nodes()[n];
    has_objective = has_objective || node.op->is_objective();
    bool any = false;
    for (TensorId in : node.inputs) any = any || wanted[graph.storage(in).index];
    for (TensorId out : node.outputs) wanted[out.index] = wanted[out.index] || any;
  }
  if (!has_objective) throw Error("differentiate: the graph has no loss term to differentiate");
  // Views follow their base.
  for (uint32_t t = 0; t < graph.tensor_count(); ++t) wanted[t] = wanted[graph.storage({t}).index];

  std::vector<TensorId> gradients(graph.tensor_count());
  for (std::size_t n = forward_nodes; n-- > 0;) {
    const Node node = graph.nodes()[n];  // a copy: backward() appends to the node list
    std::vector<TensorId> output_grads;
    bool reached = node.op->is_objective();
    for (TensorId out : node.outputs) {
      output_grads.push_back(gradients[out.index]);
      reached = reached || gradients[out.index].valid();
    }
    std::vector<bool> input_wanted;
    bool any_wanted = false;
    for (TensorId in : node.inputs) {
      const bool w = wanted[graph.storage(in).index] && graph.info(in).dtype == ops::DType::f32;
      input_wanted.push_back(w);
      any_wanted = any_wanted || w;
    }
    if (!reached || !any_wanted) continue;
    Backward b(graph, node, output_grads, input_wanted);
    b.gradients = &gradients;
    node.op->backward(b);
  }
  return gradients;
}

}  // namespace vkvae::graph
