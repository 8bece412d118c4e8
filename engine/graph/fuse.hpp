// Fusion over a differentiated graph: fewer dispatches for the same arithmetic.
#pragma once

#include <cstddef>

#include "graph/graph.hpp"

namespace vkvae::graph {

// Folds each activation gradient dx = dy·act'(y) into the node that makes dy, where that node's
// op can gate its output (Op::gated) and nothing else reads dy: the producer then writes the
// gated value into dy's bytes, and the nodes that read dx read dy. When several contributions
// add up into dy, the last one gates the total. Parameters' gradients are unchanged; an
// activation's gradient tensor may afterwards hold the gradient before its activation, so call
// this after reading what differentiate() returned for activations. Returns how many it folded.
std::size_t fuse_activation_gradients(Graph& graph);

}  // namespace vkvae::graph
