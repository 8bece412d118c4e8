// Reverse-mode automatic differentiation over the graph: the backward pass is derived from each
// op's gradient rule; no model writes backward code.
#pragma once

#include <vector>

#include "graph/graph.hpp"

namespace vkvae::graph {

// Appends to `graph` the nodes that compute the gradient of the objective — the sum of the
// outputs of its objective ops (losses, already weighted) — with respect to every parameter it
// depends on. Returns, per tensor index of the graph before the call, its gradient tensor
// (invalid where none). Parameters' gradients have Role::gradient. Gradients of tensors with
// several consumers accumulate. Throws vkvae::Error when the graph has no objective.
std::vector<TensorId> differentiate(Graph& graph);

}  // namespace vkvae::graph
