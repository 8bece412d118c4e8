#include "graph/graph.hpp"

#include <sstream>

#include "util/error.hpp"
#include "util/format.hpp"

namespace vkvae::graph {

const char* role_name(Role role) {
  switch (role) {
    case Role::input: return "input";
    case Role::parameter: return "parameter";
    case Role::gradient: return "gradient";
    case Role::activation: return "activation";
    case Role::state: return "state";
  }
  return "?";
}

void Op::backward(Backward&) const { throw Error(name() + ": has no gradient; it cannot sit between a parameter and the loss"); }

TensorId Graph::add_tensor(TensorInfo info) {
  if (info.shape.numel() < 1) throw Error("tensor '" + info.name + "' has shape " + info.shape.str() + ": every dimension must be ≥ 1");
  tensors_.push_back(std::move(info));
  return {static_cast<uint32_t>(tensors_.size() - 1)};
}

TensorId Graph::input(const std::string& name, const ops::Shape& shape, ops::DType dtype) {
  return add_tensor({name, shape, dtype, Role::input, {}, {}});
}

TensorId Graph::parameter(const std::string& name, const ops::Shape& shape) {
  return add_tensor({name, shape, ops::DType::f32, Role::parameter, {}, {}});
}

TensorId Graph::state(const std::string& name, const ops::Shape& shape, ops::DType dtype) {
  return add_tensor({name, shape, dtype, Role::state, {}, {}});
}

TensorId Graph::tensor(const std::string& name, const ops::Shape& shape, Role role, ops::DType dtype,
                      TensorId gradient_of) {
  return add_tensor({name, shape, dtype, role, {}, gradient_of});
}

TensorId Graph::view(TensorId base, const ops::Shape& shape, const std::string& name) {
  const TensorInfo& b = info(base);
  if (b.shape.numel() != shape.numel()) {
    throw Error("view of '" + b.name + "' " + b.shape.str() + " as " + shape.str() + ": the element counts differ");
  }
  TensorInfo v{name.empty() ? b.name + "_view" : name, shape, b.dtype, b.role, storage(base), b.gradient_of};
  return add_tensor(std::move(v));
}

TensorId Graph::storage(TensorId id) const {
  const TensorInfo& t = info(id);
  return t.view_of.valid() ? t.view_of : id;
}

std::vector<const TensorInfo*> Graph::infos(const std::vector<TensorId>& ids) const {
  std::vector<const TensorInfo*> out;
  for (TensorId id : ids) out.push_back(&info(id));
  return out;
}

std::vector<TensorId> Graph::apply(std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs,
                                   const std::vector<std::string>& names) {
  std::vector<TensorInfo> outs = op->infer(infos(inputs));
  Node node{op, inputs, {}, false, false};
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (i < names.size() && !names[i].empty()) outs[i].name = names[i];
    if (outs[i].name.empty()) outs[i].name = op->name() + std::to_string(nodes_.size()) + "." + std::to_string(i);
    outs[i].role = Role::activation;
    node.outputs.push_back(add_tensor(outs[i]));
  }
  nodes_.push_back(std::move(node));
  return nodes_.back().outputs;
}

TensorId Graph::apply1(std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs, const std::string& name,
                        bool backward) {
  const auto outs = apply(std::move(op), inputs, {name});
  if (outs.size() != 1) throw Error("apply1 used with an op of " + std::to_string(outs.size()) + " outputs");
  nodes_.back().backward = backward;
  return outs[0];
}

void Graph::apply_into(std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs,
                       const std::vector<TensorId>& outputs, bool accumulate, bool backward) {
  const std::vector<TensorInfo> outs = op->infer(infos(inputs));
  if (outs.size() != outputs.size()) throw Error(op->name() + ": makes " + std::to_string(outs.size()) + " outputs, not " + std::to_string(outputs.size()));
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const TensorInfo& target = info(outputs[i]);
    if (!(outs[i].shape == target.shape) || outs[i].dtype != target.dtype) {
      throw Error(op->name() + ": its output does not fit '" + target.name + "' " + target.shape.str());
    }
    if (accumulate && !op->can_accumulate()) throw Error(op->name() + ": cannot add into '" + target.name + "'");
  }
  nodes_.push_back(Node{std::move(op), inputs, outputs, accumulate, backward});
}

void Graph::replace_node(std::size_t index, Node node) {
  const std::vector<TensorInfo> outs = node.op->infer(infos(node.inputs));
  if (outs.size() != node.outputs.size()) throw Error(node.op->name() + ": makes " + std::to_string(outs.size()) + " outputs, not " + std::to_string(node.outputs.size()));
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (!(outs[i].shape == info(node.outputs[i]).shape)) throw Error(node.op->name() + ": its output does not fit '" + info(node.outputs[i]).name + "'");
  }
  nodes_.at(index) = std::move(node);
}

void Graph::remove_node(std::size_t index) { nodes_.erase(nodes_.begin() + static_cast<std::ptrdiff_t>(index)); }

void Graph::substitute(TensorId from, TensorId to) {
  const TensorInfo &a = info(from), &b = info(to);
  if (!(a.shape == b.shape) || a.dtype != b.dtype) throw Error("cannot use '" + b.name + "' for '" + a.name + "': they differ in shape or type");
  for (Node& node : nodes_) {
    for (auto* list : {&node.inputs, &node.outputs}) {
      for (TensorId& id : *list) {
        if (id == from) id = to;
      }
    }
  }
  for (TensorInfo& t : tensors_) {
    if (t.view_of == from) t.view_of = storage(to);
  }
}

std::string Graph::to_string() const {
  std::ostringstream out;
  const auto describe = [&](TensorId id) {
    const TensorInfo& t = info(id);
    const uint64_t bytes = static_cast<uint64_t>(t.shape.numel()) * ops::dtype_bytes(t.dtype);
    return t.name + t.shape.str() + "[" + format_bytes(bytes) + "]";
  };
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    out << i << ": " << n.op->name() << (n.backward ? " (backward)" : "") << " ";
    for (std::size_t k = 0; k < n.inputs.size(); ++k) out << (k ? ", " : "") << describe(n.inputs[k]);
    out << (n.accumulate ? " +→ " : " → ");
    for (std::size_t k = 0; k < n.outputs.size(); ++k) out << (k ? ", " : "") << describe(n.outputs[k]);
    out << "\n";
  }
  return out.str();
}

Backward::Backward(Graph& graph, const Node& node, std::vector<TensorId> output_grads, std::vector<bool> input_wanted)
    : graph_(graph), node_(node), output_grads_(std::move(output_grads)), input_wanted_(std::move(input_wanted)) {}

bool Backward::has_gradient(std::size_t input) const {
  return (*gradients)[graph_.storage(node_.inputs.at(input)).index].valid();
}

TensorId Backward::temporary(const std::string& name, const ops::Shape& shape) {
  return graph_.tensor(name, shape, Role::activation);
}

std::pair<TensorId, bool> Backward::target(std::size_t input) {
  std::vector<TensorId>& grads = *gradients;
  const TensorId x = node_.inputs.at(input);
  const TensorId base = graph_.storage(x);
  bool written = true;
  if (!grads[base.index].valid()) {
    const TensorInfo& b = graph_.info(base);
    const Role role = b.role == Role::parameter ? Role::gradient : Role::activation;
    grads[base.index] = graph_.tensor("d" + b.name, b.shape, role, ops::DType::f32,
                                      role == Role::gradient ? base : TensorId{});
    written = false;
  }
  TensorId t = grads[base.index];
  if (!(x == base)) t = graph_.view(t, graph_.info(x).shape, "d" + graph_.info(x).name);
  return {t, written};
}

void Backward::contribute(std::size_t input, std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs) {
  if (!wants(input)) return;
  const auto [t, written] = target(input);
  graph_.apply_into(std::move(op), inputs, {t}, written, /*backward=*/true);
}

void Backward::contribute(const std::vector<std::size_t>& inputs_of_node, std::shared_ptr<const Op> op,
                          const std::vector<TensorId>& inputs) {
  std::vector<TensorId> targets;
  std::vector<bool> written;
  for (std::size_t i : inputs_of_node) {
    if (!wants(i)) throw Error(op->name() + ": '" + graph_.info(node_.inputs.at(i)).name + "' needs no gradient, but the op makes it together with others");
    const auto [t, w] = target(i);
    targets.push_back(t);
    written.push_back(w);
  }
  for (bool w : written) {
    if (w != written.front()) throw Error(op->name() + ": some of its gradients were written before and some not");
  }
  graph_.apply_into(std::move(op), inputs, targets, !written.empty() && written.front(), /*backward=*/true);
}

}  // namespace vkvae::graph
