// The graph IR: symbolic tensors and the op nodes that produce them. Models are built by calling
// layer functions (engine/nn) that add nodes; autodiff adds the backward nodes; a Program plans
// memory and records it. The graph knows ops only through the Op interface below.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <optional>

#include "ops/activation_spec.hpp"
#include "ops/encoder.hpp"

namespace vkvae::graph {

enum class Role : uint8_t {
  input,       // written from outside each step (a batch, labels): its own buffer
  parameter,   // in the parameter arena
  gradient,    // a parameter's gradient: in the gradient arena, same layout as the parameters
  activation,  // lives within one run of the program: planned, shares bytes when it can
  state,       // persistent device state (RNG, counters, loss weights): its own buffer
};

const char* role_name(Role role);

struct TensorId {
  uint32_t index = UINT32_MAX;
  bool valid() const { return index != UINT32_MAX; }
  bool operator==(const TensorId&) const = default;
};

struct TensorInfo {
  std::string name;
  ops::Shape shape;
  ops::DType dtype = ops::DType::f32;
  Role role = Role::activation;
  TensorId view_of;      // valid for a reshaped view of another tensor's bytes
  TensorId gradient_of;  // for Role::gradient: the parameter it belongs to
};

class Backward;

// Which rows of a larger batch one run of a program computes. A training step split into shards
// runs its program once a shard; the ops that gather the batch or draw noise then take the rows,
// and the noise, of the whole batch at those places, so that the shards together compute what
// the whole batch would. {0, 0}: the program's batch is the whole batch.
struct BatchShard {
  uint32_t first = 0;  // the shard's first example in the whole batch
  uint32_t rows = 0;   // its examples (the program's batch); 0 when it is not a shard
};

// What an op sees when it is recorded: its tensors bound to device memory.
struct Bound {
  std::vector<ops::Tensor> inputs, outputs;
  BatchShard shard;
  bool accumulate = false;              // add into the outputs instead of overwriting them
  const ops::Tensor* workspace = nullptr;
};

// The interface every op offers the graph: shape rule, recording, gradient rule.
class Op {
 public:
  virtual ~Op() = default;
  virtual std::string name() const = 0;
  // The outputs' shapes, types and names from the inputs'; throws vkvae::Error naming the op.
  virtual std::vector<TensorInfo> infer(const std::vector<const TensorInfo*>& inputs) const = 0;
  virtual void record(ops::Encoder& enc, const Bound& bound) const = 0;
  // Adds the nodes that carry the outputs' gradients to the inputs'. The default refuses.
  virtual void backward(Backward& b) const;
  // Whether record() honours Bound::accumulate (autodiff adds several contributions into one
  // gradient through it).
  virtual bool can_accumulate() const { return false; }
  // Scratch elements (f32) record() needs with the kernels of `profile`.
  virtual uint64_t workspace_elements(const std::vector<const TensorInfo*>&, const ops::KernelProfile&) const { return 0; }
  // A loss term of the objective: its backward starts the gradient flow (seeded with 1).
  virtual bool is_objective() const { return false; }

  // For fusion (graph/fuse.hpp). The activation of an op that computes dx = dy·act'(y) from
  // inputs (dy, y); none for every other op.
  virtual std::optional<ops::ActivationSpec> activation_gradient() const { return std::nullopt; }
  // This op with its single output multiplied by act'(y) (y appended as its last input, laid out
  // as the output; with accumulation the sum is multiplied), or nullptr where it cannot.
  virtual std::shared_ptr<const Op> gated(ops::ActivationSpec) const { return nullptr; }
};

struct Node {
  std::shared_ptr<const Op> op;
  std::vector<TensorId> inputs, outputs;
  bool accumulate = false;
  bool backward = false;  // added by autodiff
};

class Graph {
 public:
  TensorId input(const std::string& name, const ops::Shape& shape, ops::DType dtype = ops::DType::f32);
  TensorId parameter(const std::string& name, const ops::Shape& shape);
  TensorId state(const std::string& name, const ops::Shape& shape, ops::DType dtype = ops::DType::f32);
  // A tensor of `role` with no producer yet (autodiff's gradients, an accumulation target);
  // `gradient_of` names the parameter of a Role::gradient tensor.
  TensorId tensor(const std::string& name, const ops::Shape& shape, Role role, ops::DType dtype = ops::DType::f32,
                  TensorId gradient_of = {});
  // The same bytes seen with another shape of as many elements.
  TensorId view(TensorId base, const ops::Shape& shape, const std::string& name = "");

  // Adds a node; returns its outputs (named after `names` where given).
  std::vector<TensorId> apply(std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs,
                              const std::vector<std::string>& names = {});
  TensorId apply1(std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs, const std::string& name = "",
                  bool backward = false);
  // Adds a node writing (or adding, with `accumulate`) into existing tensors.
  void apply_into(std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs,
                  const std::vector<TensorId>& outputs, bool accumulate, bool backward = false);

  const TensorInfo& info(TensorId id) const { return tensors_.at(id.index); }
  std::size_t tensor_count() const { return tensors_.size(); }
  const std::vector<Node>& nodes() const { return nodes_; }
  // The tensor whose bytes `id` uses (itself unless it is a view).
  TensorId storage(TensorId id) const;

  // Rewriting, for fusion passes. replace_node checks that the new node's op makes outputs of
  // the shapes it writes; substitute makes every node and view that uses `from` use `to` (of the
  // same shape and type) instead.
  void replace_node(std::size_t index, Node node);
  void remove_node(std::size_t index);
  void substitute(TensorId from, TensorId to);

  // One node a line: index, op, inputs → outputs with shapes and bytes.
  std::string to_string() const;

 private:
  TensorId add_tensor(TensorInfo info);
  std::vector<const TensorInfo*> infos(const std::vector<TensorId>& ids) const;

  std::vector<TensorInfo> tensors_;
  std::vector<Node> nodes_;
};

// What an Op's backward() works with: the node being differentiated and a way to add
// gradient contributions for its inputs.
class Backward {
 public:
  Backward(Graph& graph, const Node& node, std::vector<TensorId> output_grads, std::vector<bool> input_wanted);

  Graph& graph() { return graph_; }
  TensorId input(std::size_t i) const { return node_.inputs.at(i); }
  TensorId output(std::size_t i) const { return node_.outputs.at(i); }
  // ∂objective/∂output i, or an invalid id when no gradient reaches that output. For an
  // objective op the seed is implicit (1) and no output gradient is needed.
  TensorId output_grad(std::size_t i) const { return output_grads_.at(i); }
  bool wants(std::size_t input) const { return input_wanted_.at(input); }
  // Whether earlier contributions already wrote ∂/∂input (a later one then adds).
  bool has_gradient(std::size_t input) const;
  // A new activation for an intermediate gradient (dz = dy·act'(y), say).
  TensorId temporary(const std::string& name, const ops::Shape& shape);
  // Adds op(inputs) as a contribution to ∂/∂input i: the first writes the gradient, later ones
  // add to it (the op must honour accumulation when a tensor feeds several consumers).
  void contribute(std::size_t input, std::shared_ptr<const Op> op, const std::vector<TensorId>& inputs);
  // The same for an op that makes the gradients of several inputs in one go (its outputs in
  // the order of `inputs_of_node`). All of them must be wanted, and either all new or all
  // already written (then the op adds).
  void contribute(const std::vector<std::size_t>& inputs_of_node, std::shared_ptr<const Op> op,
                  const std::vector<TensorId>& inputs);

  // The gradient tensors made so far, by forward tensor index (invalid where none).
  std::vector<TensorId>* gradients = nullptr;

 private:
  // The gradient tensor to write for input i of the node (a view of its base's gradient for a
  // view), and whether earlier contributions already wrote it.
  std::pair<TensorId, bool> target(std::size_t input);

  Graph& graph_;
  const Node node_;  // a copy: adding nodes may move the graph's node list
  std::vector<TensorId> output_grads_;
  std::vector<bool> input_wanted_;
};

}  // namespace vkvae::graph
