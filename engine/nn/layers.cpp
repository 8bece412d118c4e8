#include "nn/layers.hpp"

#include <functional>
#include <optional>

#include "nn/op_support.hpp"
#include "ops/activation.hpp"
#include "ops/data.hpp"
#include "ops/image.hpp"
#include "ops/linear.hpp"
#include "ops/reparameterize.hpp"
#include "util/error.hpp"

namespace vkvae::nn {
namespace {

using graph::Backward;
using graph::Bound;
using graph::Op;
using graph::TensorInfo;
using detail::expect_inputs;
using detail::f32;
using detail::Infos;

// Input-gradient ops can be gated (graph/fuse.hpp): the gated form takes the activation's
// output as an extra last input and multiplies by its derivative.
std::string gated_name(const std::string& name, const std::optional<ops::ActivationSpec>& gate) {
  return gate ? name + " ⊙ " + ops::activation_name(*gate) + "'" : name;
}

std::optional<ops::ActivationGate> bound_gate(const std::optional<ops::ActivationSpec>& gate, const Bound& b) {
  if (!gate) return std::nullopt;
  return ops::ActivationGate{b.inputs.back(), *gate};
}

// ---- activations ---------------------------------------------------------------------------

// (dy, y) → dx = dy·act'(y)
class ActivationGrad final : public Op {
 public:
  explicit ActivationGrad(ops::ActivationSpec act) : act_(act) {}
  std::string name() const override { return "activation_grad " + ops::activation_name(act_); }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 2);
    if (!(in[0]->shape == in[1]->shape)) throw Error(name() + ": dy and y differ in shape");
    return {f32(in[1]->shape)};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::activation_backward(enc, b.outputs[0], b.inputs[0], b.inputs[1], act_, b.accumulate);
  }
  std::optional<ops::ActivationSpec> activation_gradient() const override { return act_; }

 private:
  ops::ActivationSpec act_;
};

// The gradient w.r.t. a fused producer's pre-activation: dy itself without an activation.
TensorId pre_activation_grad(Backward& b, ops::ActivationSpec act) {
  if (act.kind == ops::Activation::none) return b.output_grad(0);
  return b.graph().apply1(std::make_shared<ActivationGrad>(act), {b.output_grad(0), b.output(0)},
                          "d" + b.graph().info(b.output(0)).name + "_pre", /*backward=*/true);
}

class ActivationOp final : public Op {
 public:
  explicit ActivationOp(ops::ActivationSpec act) : act_(act) {}
  std::string name() const override { return ops::activation_name(act_); }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 1);
    return {f32(in[0]->shape)};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::activation_forward(enc, b.outputs[0], b.inputs[0], act_);
  }
  void backward(Backward& b) const override {
    b.contribute(0, std::make_shared<ActivationGrad>(act_), {b.output_grad(0), b.output(0)});
  }

 private:
  ops::ActivationSpec act_;
};

// ---- bias gradient: Σ over everything but the channel axis (axis 1) --------------------------

class BiasGrad final : public Op {
 public:
  std::string name() const override { return "bias_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 1);
    return {f32({in[0]->shape[1]})};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    const ops::Shape& s = b.inputs[0].shape;
    const auto inner = static_cast<uint32_t>(s.numel() / (s[0] * s[1]));
    ops::sum_outer_inner(enc, b.outputs[0], b.inputs[0], static_cast<uint32_t>(s[0]), static_cast<uint32_t>(s[1]),
                         inner, b.accumulate);
  }
};

// ---- Linear ----------------------------------------------------------------------------------

// (dz (B,out), w (out,in)) → dx (B,in); gated: (dz, w, y) → dx·act'(y)
class LinearInputGrad final : public Op {
 public:
  explicit LinearInputGrad(std::optional<ops::ActivationSpec> gate = std::nullopt) : gate_(gate) {}
  std::string name() const override { return gated_name("linear_input_grad", gate_); }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, gate_ ? 3 : 2);
    return {f32({in[0]->shape[0], in[1]->shape[1]})};
  }
  bool can_accumulate() const override { return true; }
  // Scratch for a product split along out (ops::split_k_slices), where the profile splits.
  uint64_t workspace_elements(const Infos& in, const ops::KernelProfile& profile) const override {
    return ops::linear_input_workspace_elements(in[0]->shape, in[1]->shape, profile);
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    const auto gate = bound_gate(gate_, b);
    ops::linear_backward_input(enc, b.outputs[0], b.inputs[0], b.inputs[1], b.accumulate, gate ? &*gate : nullptr,
                               b.workspace);
  }
  std::shared_ptr<const Op> gated(ops::ActivationSpec act) const override {
    return gate_ ? nullptr : std::make_shared<LinearInputGrad>(act);
  }

 private:
  std::optional<ops::ActivationSpec> gate_;
};

// (dz (B,out), x (B,in)) → dw (out,in), and db (out) in the same dispatch `with_bias`
class LinearWeightGrad final : public Op {
 public:
  explicit LinearWeightGrad(bool with_bias) : with_bias_(with_bias) {}
  std::string name() const override { return with_bias_ ? "linear_weight_bias_grad" : "linear_weight_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 2);
    std::vector<TensorInfo> out = {f32({in[0]->shape[1], in[1]->shape[1]})};
    if (with_bias_) out.push_back(f32({in[0]->shape[1]}));
    return out;
  }
  bool can_accumulate() const override { return true; }
  // Scratch for a product split along the batch (ops::split_k_slices), where the profile splits.
  uint64_t workspace_elements(const Infos& in, const ops::KernelProfile& profile) const override {
    return ops::linear_weight_workspace_elements(in[1]->shape, in[0]->shape, profile);
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::linear_backward_weight(enc, b.outputs[0], b.inputs[0], b.inputs[1], b.accumulate,
                                with_bias_ ? &b.outputs[1] : nullptr, b.workspace);
  }

 private:
  bool with_bias_;
};

// Contributes a layer's weight gradient (input 1) and bias gradient (input 2, when `bias`): one
// op for both where both are wanted and accumulate alike, else each on its own.
void weight_and_bias_grads(Backward& b, bool bias, TensorId dz,
                           const std::function<std::shared_ptr<const Op>(bool with_bias)>& weight_grad) {
  if (bias && b.wants(1) && b.wants(2) && b.has_gradient(1) == b.has_gradient(2)) {
    b.contribute({1, 2}, weight_grad(true), {dz, b.input(0)});
    return;
  }
  b.contribute(1, weight_grad(false), {dz, b.input(0)});
  if (bias) b.contribute(2, std::make_shared<BiasGrad>(), {dz});
}

class LinearOp final : public Op {
 public:
  LinearOp(ops::ActivationSpec act, bool bias) : act_(act), bias_(bias) {}
  std::string name() const override { return "linear " + ops::activation_name(act_); }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, bias_ ? 3 : 2);
    const ops::Shape &x = in[0]->shape, &w = in[1]->shape;
    if (x.rank() != 2 || w.rank() != 2 || x[1] != w[1]) {
      throw Error(name() + ": x " + x.str() + " and weight " + w.str() + " do not fit (x is (batch, in), weight (out, in))");
    }
    if (bias_ && !(in[2]->shape == ops::Shape{w[0]})) throw Error(name() + ": bias " + in[2]->shape.str() + " must be (" + std::to_string(w[0]) + ")");
    return {f32({x[0], w[0]})};
  }
  // Scratch for a product split along in (ops::split_k_slices), where the profile splits.
  uint64_t workspace_elements(const Infos& in, const ops::KernelProfile& profile) const override {
    return ops::linear_forward_workspace_elements(in[0]->shape, in[1]->shape, profile);
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::linear_forward(enc, b.outputs[0], b.inputs[0], b.inputs[1], bias_ ? &b.inputs[2] : nullptr, act_, b.workspace);
  }
  void backward(Backward& b) const override {
    const TensorId dz = pre_activation_grad(b, act_);
    b.contribute(0, std::make_shared<LinearInputGrad>(), {dz, b.input(1)});
    weight_and_bias_grads(b, bias_, dz, [](bool with_bias) { return std::make_shared<LinearWeightGrad>(with_bias); });
  }

 private:
  ops::ActivationSpec act_;
  bool bias_;
};

// ---- Conv2d and ConvTranspose2d ---------------------------------------------------------------

ops::ConvGeometry geometry(const std::string& op, bool transposed, const ops::Shape& x, const ops::Shape& w,
                           const ops::ConvParams& p) {
  return transposed ? ops::conv_transpose2d_geometry(op, x, w, p) : ops::conv2d_geometry(op, x, w, p);
}

// (dz, w) → dx, the shape of the forward input given by `x_shape`; gated: (dz, w, y) → dx·act'(y)
class ConvInputGrad final : public Op {
 public:
  ConvInputGrad(ops::ConvParams p, bool transposed, ops::Shape x_shape, std::optional<ops::ActivationSpec> gate = std::nullopt)
      : p_(p), transposed_(transposed), x_(x_shape), gate_(gate) {}
  std::string name() const override {
    return gated_name(transposed_ ? "conv_transpose2d_input_grad" : "conv2d_input_grad", gate_);
  }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, gate_ ? 3 : 2);
    return {f32(x_)};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    const auto gate = bound_gate(gate_, b);
    const ops::ActivationGate* g = gate ? &*gate : nullptr;
    if (transposed_) ops::conv_transpose2d_backward_input(enc, b.outputs[0], b.inputs[0], b.inputs[1], p_, b.accumulate, g);
    else ops::conv2d_backward_input(enc, b.outputs[0], b.inputs[0], b.inputs[1], p_, b.accumulate, g);
  }
  std::shared_ptr<const Op> gated(ops::ActivationSpec act) const override {
    return gate_ ? nullptr : std::make_shared<ConvInputGrad>(p_, transposed_, x_, act);
  }

 private:
  ops::ConvParams p_;
  bool transposed_;
  ops::Shape x_;
  std::optional<ops::ActivationSpec> gate_;
};

// (dz, x) → dw, the weight shape given by `w_shape`, and db in the same pass `with_bias`.
class ConvWeightGrad final : public Op {
 public:
  ConvWeightGrad(ops::ConvParams p, bool transposed, ops::Shape w_shape, bool with_bias)
      : p_(p), transposed_(transposed), w_(w_shape), with_bias_(with_bias) {}
  std::string name() const override {
    return std::string(transposed_ ? "conv_transpose2d" : "conv2d") + (with_bias_ ? "_weight_bias_grad" : "_weight_grad");
  }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 2);
    std::vector<TensorInfo> out = {f32(w_)};
    if (with_bias_) out.push_back(f32({in[0]->shape[1]}));  // dz's channels
    return out;
  }
  bool can_accumulate() const override { return true; }
  uint64_t workspace_elements(const Infos& in, const ops::KernelProfile&) const override {
    return ops::conv_workspace_elements(geometry(name(), transposed_, in[1]->shape, w_, p_));
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    const ops::Tensor* db = with_bias_ ? &b.outputs[1] : nullptr;
    if (transposed_) ops::conv_transpose2d_backward_weight(enc, b.outputs[0], b.inputs[0], b.inputs[1], p_, b.workspace, b.accumulate, db);
    else ops::conv2d_backward_weight(enc, b.outputs[0], b.inputs[0], b.inputs[1], p_, b.workspace, b.accumulate, db);
  }

 private:
  ops::ConvParams p_;
  bool transposed_;
  ops::Shape w_;
  bool with_bias_;
};

class ConvOp final : public Op {
 public:
  ConvOp(ops::ConvParams p, ops::ActivationSpec act, bool bias, bool transposed)
      : p_(p), act_(act), bias_(bias), transposed_(transposed) {}
  std::string name() const override {
    return std::string(transposed_ ? "conv_transpose2d " : "conv2d ") + ops::activation_name(act_);
  }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, bias_ ? 3 : 2);
    const ops::ConvGeometry g = geometry(name(), transposed_, in[0]->shape, in[1]->shape, p_);
    const ops::Shape y = transposed_ ? ops::Shape{g.N, g.C, g.H, g.W} : ops::Shape{g.N, g.K, g.P, g.Q};
    if (bias_ && !(in[2]->shape == ops::Shape{y[1]})) throw Error(name() + ": bias " + in[2]->shape.str() + " must be (" + std::to_string(y[1]) + ")");
    return {f32(y)};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    const ops::Tensor* bias = bias_ ? &b.inputs[2] : nullptr;
    if (transposed_) ops::conv_transpose2d_forward(enc, b.outputs[0], b.inputs[0], b.inputs[1], bias, p_, act_);
    else ops::conv2d_forward(enc, b.outputs[0], b.inputs[0], b.inputs[1], bias, p_, act_);
  }
  void backward(Backward& b) const override {
    const TensorId dz = pre_activation_grad(b, act_);
    graph::Graph& g = b.graph();
    b.contribute(0, std::make_shared<ConvInputGrad>(p_, transposed_, g.info(b.input(0)).shape), {dz, b.input(1)});
    const ops::Shape w_shape = g.info(b.input(1)).shape;
    weight_and_bias_grads(b, bias_, dz, [&](bool with_bias) {
      return std::make_shared<ConvWeightGrad>(p_, transposed_, w_shape, with_bias);
    });
  }

 private:
  ops::ConvParams p_;
  ops::ActivationSpec act_;
  bool bias_, transposed_;
};

// ---- concatenation ---------------------------------------------------------------------------

class SliceColumns final : public Op {
 public:
  SliceColumns(uint32_t first, uint32_t width) : first_(first), width_(width) {}
  std::string name() const override { return "slice_columns"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 1);
    return {f32({in[0]->shape[0], width_})};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::slice_columns(enc, b.outputs[0], b.inputs[0], first_, b.accumulate);
  }

 private:
  uint32_t first_, width_;
};

class ConcatOp final : public Op {
 public:
  std::string name() const override { return "concat"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 2);
    const ops::Shape &a = in[0]->shape, &b = in[1]->shape;
    if (a.rank() != 2 || b.rank() != 2 || a[0] != b[0]) throw Error(name() + ": " + a.str() + " and " + b.str() + " are not (batch, features) of one batch");
    return {f32({a[0], a[1] + b[1]})};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::concat_features(enc, b.outputs[0], b.inputs[0], b.inputs[1]);
  }
  void backward(Backward& b) const override {
    const auto da = static_cast<uint32_t>(b.graph().info(b.input(0)).shape[1]);
    const auto db = static_cast<uint32_t>(b.graph().info(b.input(1)).shape[1]);
    b.contribute(0, std::make_shared<SliceColumns>(0, da), {b.output_grad(0)});
    b.contribute(1, std::make_shared<SliceColumns>(da, db), {b.output_grad(0)});
  }
};

// ---- reconstruction loss -------------------------------------------------------------------

// (prediction, target, weight) → dprediction = weight·∂ℓ/∂prediction
class ReconLossGrad final : public Op {
 public:
  explicit ReconLossGrad(ops::ReconLoss kind) : kind_(kind) {}
  std::string name() const override { return "recon_loss_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 3);
    return {f32(in[0]->shape)};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::recon_loss_backward(enc, kind_, b.outputs[0], b.inputs[0], b.inputs[1], b.inputs[2]);
  }

 private:
  ops::ReconLoss kind_;
};

class ReconLossOp final : public Op {
 public:
  explicit ReconLossOp(ops::ReconLoss kind) : kind_(kind) {}
  std::string name() const override {
    return kind_ == ops::ReconLoss::bce_with_logits ? "bce_with_logits" : "squared_error";
  }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 3);
    const ops::Shape& p = in[0]->shape;
    if (p.rank() != 2 || !(in[1]->shape == p)) throw Error(name() + ": prediction " + p.str() + " and target " + in[1]->shape.str() + " must be the same (batch, features)");
    if (!(in[2]->shape == ops::Shape{1})) throw Error(name() + ": the weight must be (1)");
    return {f32({p[0]})};
  }
  bool is_objective() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::recon_loss_forward(enc, kind_, b.outputs[0], b.inputs[0], b.inputs[1]);
  }
  void backward(Backward& b) const override {
    b.contribute(0, std::make_shared<ReconLossGrad>(kind_), {b.input(0), b.input(1), b.input(2)});
  }

 private:
  ops::ReconLoss kind_;
};

// ---- KL divergence and the reparameterization ------------------------------------------------

// (μ, log σ², weight) → (dμ, dlog σ²) = weight·∂KL/∂·
class KlGrad final : public Op {
 public:
  std::string name() const override { return "kl_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 3);
    return {f32(in[0]->shape), f32(in[1]->shape)};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::kl_backward(enc, b.outputs[0], b.outputs[1], b.inputs[0], b.inputs[1], b.inputs[2], b.accumulate);
  }
};

class KlOp final : public Op {
 public:
  std::string name() const override { return "kl_divergence"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 3);
    const ops::Shape& mu = in[0]->shape;
    if (mu.rank() != 2 || !(in[1]->shape == mu)) throw Error(name() + ": μ " + mu.str() + " and log σ² " + in[1]->shape.str() + " must be the same (batch, latent)");
    if (!(in[2]->shape == ops::Shape{1})) throw Error(name() + ": the weight must be (1)");
    return {f32({mu[0]})};
  }
  bool is_objective() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::kl_forward(enc, b.outputs[0], b.inputs[0], b.inputs[1]);
  }
  void backward(Backward& b) const override {
    b.contribute({0, 1}, std::make_shared<KlGrad>(), {b.input(0), b.input(1), b.input(2)});
  }
};

// (dz, ε, log σ²) → (dμ, dlog σ²)
class ReparameterizeGrad final : public Op {
 public:
  std::string name() const override { return "reparameterize_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 3);
    return {f32(in[0]->shape), f32(in[0]->shape)};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::reparameterize_backward(enc, b.outputs[0], b.outputs[1], b.inputs[0], b.inputs[1], b.inputs[2], b.accumulate);
  }
};

class ReparameterizeOp final : public Op {
 public:
  std::string name() const override { return "reparameterize"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    if (in.size() != 3) throw Error(name() + ": takes μ, log σ² and the RNG state");
    if (!(in[1]->shape == in[0]->shape)) throw Error(name() + ": μ and log σ² differ in shape");
    if (in[2]->dtype != ops::DType::u32 || !(in[2]->shape == ops::Shape{4})) throw Error(name() + ": the RNG state must be (4) u32");
    return {f32(in[0]->shape), f32(in[0]->shape)};  // z, ε
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    // A shard's rows draw the noise of the whole batch's rows there (several rows an example
    // with the importance-weighted bound's K samples).
    uint32_t first_element = 0;
    if (b.shard.rows > 0) {
      const int64_t per_example = b.inputs[0].numel() / b.shard.rows;
      if (per_example * b.shard.rows != b.inputs[0].numel()) throw Error(name() + ": μ does not split into the shard's examples");
      first_element = static_cast<uint32_t>(int64_t{b.shard.first} * per_example);
    }
    ops::reparameterize_forward(enc, b.outputs[0], b.outputs[1], b.inputs[0], b.inputs[1], b.inputs[2], first_element);
  }
  void backward(Backward& b) const override {
    if (!b.output_grad(0).valid()) return;
    b.contribute({0, 1}, std::make_shared<ReparameterizeGrad>(), {b.output_grad(0), b.output(1), b.input(1)});
  }
};

// ---- data ------------------------------------------------------------------------------------

class GatherImagesOp final : public Op {
 public:
  GatherImagesOp(int64_t batch, bool binarize) : batch_(batch), binarize_(binarize) {}
  std::string name() const override { return binarize_ ? "gather_images binarized" : "gather_images"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    if (in.size() != 4 || in[0]->dtype != ops::DType::u8 || in[0]->shape.rank() != 2) {
      throw Error(name() + ": takes images (N, D) u8, order, cursor and the RNG state");
    }
    if (batch_ < 1 || batch_ > in[0]->shape[0]) {
      throw Error(name() + ": batch " + std::to_string(batch_) + " must be between 1 and the dataset's " + std::to_string(in[0]->shape[0]));
    }
    return {f32({batch_, in[0]->shape[1]})};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::gather_images(enc, b.outputs[0], b.inputs[0], b.inputs[1], b.inputs[2], b.inputs[3], binarize_, b.shard.first);
  }

 private:
  int64_t batch_;
  bool binarize_;
};

class GatherOneHotOp final : public Op {
 public:
  GatherOneHotOp(int64_t batch, int64_t classes) : batch_(batch), classes_(classes) {}
  std::string name() const override { return "gather_one_hot"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    if (in.size() != 3 || in[0]->dtype != ops::DType::u8 || in[0]->shape.rank() != 1) {
      throw Error(name() + ": takes labels (N) u8, order and cursor");
    }
    if (batch_ < 1 || batch_ > in[0]->shape[0] || classes_ < 1) {
      throw Error(name() + ": batch " + std::to_string(batch_) + " must be between 1 and the dataset's " + std::to_string(in[0]->shape[0]));
    }
    return {f32({batch_, classes_})};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::gather_one_hot(enc, b.outputs[0], b.inputs[0], b.inputs[1], b.inputs[2], b.shard.first);
  }

 private:
  int64_t batch_, classes_;
};

class ImageGridOp final : public Op {
 public:
  ImageGridOp(ops::GridLayout layout, bool sigmoid) : layout_(layout), sigmoid_(sigmoid) {}
  std::string name() const override { return "image_grid"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 1);
    const ops::Shape& s = in[0]->shape;
    if (s.rank() != 4) throw Error(name() + ": images must be (B, C, H, W), got " + s.str());
    const ops::GridSize size = ops::grid_size(static_cast<uint32_t>(s[0]), static_cast<uint32_t>(s[2]),
                                              static_cast<uint32_t>(s[3]), layout_);
    TensorInfo grid = f32({int64_t{size.width} * size.height});
    grid.dtype = ops::DType::u32;
    return {grid};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::image_grid(enc, b.outputs[0], b.inputs[0], layout_, sigmoid_);
  }

 private:
  ops::GridLayout layout_;
  bool sigmoid_;
};

}  // namespace

TensorId image_grid(Graph& g, TensorId images, const ops::GridLayout& layout, bool sigmoid, const std::string& name) {
  return g.apply1(std::make_shared<ImageGridOp>(layout, sigmoid), {images}, name);
}

TensorId gather_images(Graph& g, TensorId images, TensorId order, TensorId cursor, TensorId rng, int64_t batch,
                       bool binarize, const std::string& name) {
  return g.apply1(std::make_shared<GatherImagesOp>(batch, binarize), {images, order, cursor, rng}, name);
}

TensorId gather_one_hot(Graph& g, TensorId labels, TensorId order, TensorId cursor, int64_t batch, int64_t classes,
                        const std::string& name) {
  return g.apply1(std::make_shared<GatherOneHotOp>(batch, classes), {labels, order, cursor}, name);
}

TensorId kl_divergence(Graph& g, TensorId mu, TensorId logvar, TensorId weight, const std::string& name) {
  return g.apply1(std::make_shared<KlOp>(), {mu, logvar, weight}, name);
}

TensorId reparameterize(Graph& g, TensorId mu, TensorId logvar, TensorId rng, const std::string& name, TensorId* eps) {
  const auto outputs = g.apply(std::make_shared<ReparameterizeOp>(), {mu, logvar, rng}, {name, name.empty() ? "" : name + "_eps"});
  if (eps) *eps = outputs[1];
  return outputs[0];
}

TensorId linear(Graph& g, TensorId x, TensorId w, TensorId b, ops::ActivationSpec act, const std::string& name) {
  std::vector<TensorId> inputs = {x, w};
  if (b.valid()) inputs.push_back(b);
  return g.apply1(std::make_shared<LinearOp>(act, b.valid()), inputs, name);
}

TensorId conv2d(Graph& g, TensorId x, TensorId w, TensorId b, const ops::ConvParams& params, ops::ActivationSpec act,
                const std::string& name) {
  std::vector<TensorId> inputs = {x, w};
  if (b.valid()) inputs.push_back(b);
  return g.apply1(std::make_shared<ConvOp>(params, act, b.valid(), false), inputs, name);
}

TensorId conv_transpose2d(Graph& g, TensorId x, TensorId w, TensorId b, const ops::ConvParams& params,
                          ops::ActivationSpec act, const std::string& name) {
  std::vector<TensorId> inputs = {x, w};
  if (b.valid()) inputs.push_back(b);
  return g.apply1(std::make_shared<ConvOp>(params, act, b.valid(), true), inputs, name);
}

TensorId activation(Graph& g, TensorId x, ops::ActivationSpec act, const std::string& name) {
  return g.apply1(std::make_shared<ActivationOp>(act), {x}, name);
}

TensorId concat(Graph& g, TensorId a, TensorId b, const std::string& name) {
  return g.apply1(std::make_shared<ConcatOp>(), {a, b}, name);
}

TensorId recon_loss(Graph& g, ops::ReconLoss kind, TensorId prediction, TensorId target, TensorId weight,
                    const std::string& name) {
  return g.apply1(std::make_shared<ReconLossOp>(kind), {prediction, target, weight}, name);
}

}  // namespace vkvae::nn
