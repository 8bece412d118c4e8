#include "graph/fuse.hpp"

#include <optional>

namespace vkvae::graph {
namespace {

// The last node before `n` that writes `dy`'s bytes, when every other node that touches them
// (but `n`) is such a writer; nullopt otherwise.
std::optional<std::size_t> sole_producer(const Graph& g, TensorId dy, std::size_t n) {
  std::optional<std::size_t> last;
  for (std::size_t m = 0; m < g.nodes().size(); ++m) {
    if (m == n) continue;
    const Node& node = g.nodes()[m];
    for (TensorId in : node.inputs) {
      if (g.storage(in) == dy) return std::nullopt;
    }
    for (TensorId out : node.outputs) {
      if (!(g.storage(out) == dy)) continue;
      if (m > n) return std::nullopt;
      last = m;
    }
  }
  return last;
}

}  // namespace

std::size_t fuse_activation_gradients(Graph& g) {
  std::size_t fused = 0;
  for (std::size_t n = 0; n < g.nodes().size();) {
    const Node node = g.nodes()[n];  // a copy: the rewrite below changes the list
    const std::optional<ops::ActivationSpec> act = node.op->activation_gradient();
    const TensorId dy = act ? node.inputs.at(0) : TensorId{}, y = act ? node.inputs.at(1) : TensorId{};
    const TensorId dx = act ? node.outputs.at(0) : TensorId{};
    const bool plain = act && !node.accumulate && g.storage(dy) == dy && g.storage(dx) == dx &&
                       g.info(dx).role == Role::activation;
    const std::optional<std::size_t> producer = plain ? sole_producer(g, dy, n) : std::nullopt;
    std::shared_ptr<const Op> gated;
    if (producer && g.nodes()[*producer].outputs.size() == 1) gated = g.nodes()[*producer].op->gated(*act);
    if (!gated) {
      ++n;
      continue;
    }
    Node replacement = g.nodes()[*producer];
    const ops::Shape& written = g.info(replacement.outputs[0]).shape;  // dy, or a view of it
    replacement.op = gated;
    replacement.inputs.push_back(g.info(y).shape == written ? y : g.view(y, written, g.info(y).name + "_gate"));
    g.replace_node(*producer, std::move(replacement));
    g.remove_node(n);  // the next node moves to n
    g.substitute(dx, dy);
    ++fused;
  }
  return fused;
}

}  // namespace vkvae::graph
