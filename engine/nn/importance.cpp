#include "nn/importance.hpp"

#include "nn/op_support.hpp"
#include "ops/iwae.hpp"

namespace vkvae::nn {
namespace {

using detail::expect_inputs;
using detail::f32;
using detail::Infos;
using graph::Backward;
using graph::Bound;
using graph::Op;
using graph::TensorInfo;

// dy (B·K, F) → dx (B, F): the copies summed.
class SumRowGroups final : public Op {
 public:
  explicit SumRowGroups(int64_t k) : k_(k) {}
  std::string name() const override { return "sum_row_groups"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 1);
    return {f32({in[0]->shape[0] / k_, in[0]->shape[1]})};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::sum_row_groups(enc, b.outputs[0], b.inputs[0], static_cast<uint32_t>(k_), b.accumulate);
  }

 private:
  int64_t k_;
};

class RepeatRowsOp final : public Op {
 public:
  explicit RepeatRowsOp(int64_t k) : k_(k) {}
  std::string name() const override { return "repeat_rows"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 1);
    if (in[0]->shape.rank() != 2 || k_ < 1) throw Error(name() + ": takes (rows, features) and K ≥ 1, got " + in[0]->shape.str());
    return {f32({in[0]->shape[0] * k_, in[0]->shape[1]})};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::repeat_rows(enc, b.outputs[0], b.inputs[0], static_cast<uint32_t>(k_));
  }
  void backward(Backward& b) const override {
    if (b.output_grad(0).valid()) b.contribute(0, std::make_shared<SumRowGroups>(k_), {b.output_grad(0)});
  }

 private:
  int64_t k_;
};

// (dterms, prediction, target) → dprediction = dterms[row]·∂ℓ/∂prediction
class ReconTermsGrad final : public Op {
 public:
  explicit ReconTermsGrad(ops::ReconLoss kind) : kind_(kind) {}
  std::string name() const override { return "recon_terms_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 3);
    return {f32(in[1]->shape)};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::recon_loss_backward_rows(enc, kind_, b.outputs[0], b.inputs[1], b.inputs[2], b.inputs[0]);
  }

 private:
  ops::ReconLoss kind_;
};

class ReconTermsOp final : public Op {
 public:
  explicit ReconTermsOp(ops::ReconLoss kind) : kind_(kind) {}
  std::string name() const override { return kind_ == ops::ReconLoss::bce_with_logits ? "bce_terms" : "squared_error_terms"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 2);
    const ops::Shape& p = in[0]->shape;
    if (p.rank() != 2 || !(in[1]->shape == p)) throw Error(name() + ": prediction " + p.str() + " and target " + in[1]->shape.str() + " must be the same (rows, features)");
    return {f32({p[0]})};
  }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::recon_loss_forward(enc, kind_, b.outputs[0], b.inputs[0], b.inputs[1]);
  }
  void backward(Backward& b) const override {
    if (b.output_grad(0).valid()) b.contribute(0, std::make_shared<ReconTermsGrad>(kind_), {b.output_grad(0), b.input(0), b.input(1)});
  }

 private:
  ops::ReconLoss kind_;
};

// (terms, z, ε, log σ², weight) → (dterms, dz, dlog σ²)
class IwaeBoundGrad final : public Op {
 public:
  explicit IwaeBoundGrad(int64_t k) : k_(k) {}
  std::string name() const override { return "iwae_bound_grad"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 5);
    return {f32(in[0]->shape), f32(in[1]->shape), f32(in[3]->shape)};
  }
  bool can_accumulate() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    if (b.accumulate) throw Error(name() + ": the bound's gradients come first");  // its terms have no other consumer
    ops::iwae_bound_backward(enc, b.outputs[0], b.outputs[1], b.outputs[2], b.inputs[0], b.inputs[1], b.inputs[2], b.inputs[3],
                             b.inputs[4], static_cast<uint32_t>(k_), false);
  }

 private:
  int64_t k_;
};

class IwaeBoundOp final : public Op {
 public:
  explicit IwaeBoundOp(int64_t k) : k_(k) {}
  std::string name() const override { return "iwae_bound"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 5);
    const ops::Shape& z = in[1]->shape;
    if (z.rank() != 2 || k_ < 1 || z[0] % k_ != 0) throw Error(name() + ": z " + z.str() + " must be (examples·K, latent)");
    if (!(in[0]->shape == ops::Shape{z[0]}) || !(in[2]->shape == z) || !(in[3]->shape == z)) {
      throw Error(name() + ": the terms must be (samples) and ε, log σ² shaped as z " + z.str());
    }
    if (!(in[4]->shape == ops::Shape{1})) throw Error(name() + ": the weight must be (1)");
    return {f32({z[0] / k_})};
  }
  bool is_objective() const override { return true; }
  void record(ops::Encoder& enc, const Bound& b) const override {
    ops::iwae_bound_forward(enc, b.outputs[0], b.inputs[0], b.inputs[1], b.inputs[2], b.inputs[3], static_cast<uint32_t>(k_));
  }
  void backward(Backward& b) const override {
    b.contribute({0, 1, 3}, std::make_shared<IwaeBoundGrad>(k_), {b.input(0), b.input(1), b.input(2), b.input(3), b.input(4)});
  }

 private:
  int64_t k_;
};

class KlValueOp final : public Op {
 public:
  std::string name() const override { return "kl_value"; }
  std::vector<TensorInfo> infer(const Infos& in) const override {
    expect_inputs(name(), in, 2);
    if (in[0]->shape.rank() != 2 || !(in[1]->shape == in[0]->shape)) throw Error(name() + ": μ and log σ² must be the same (batch, latent)");
    return {f32({in[0]->shape[0]})};
  }
  void record(ops::Encoder& enc, const Bound& b) const override { ops::kl_forward(enc, b.outputs[0], b.inputs[0], b.inputs[1]); }
};

}  // namespace

TensorId repeat_rows(Graph& g, TensorId x, int64_t k, const std::string& name) {
  return g.apply1(std::make_shared<RepeatRowsOp>(k), {x}, name);
}

TensorId recon_terms(Graph& g, ops::ReconLoss kind, TensorId prediction, TensorId target, const std::string& name) {
  return g.apply1(std::make_shared<ReconTermsOp>(kind), {prediction, target}, name);
}

TensorId iwae_bound(Graph& g, TensorId terms, TensorId z, TensorId eps, TensorId logvar, TensorId weight, int64_t k, const std::string& name) {
  return g.apply1(std::make_shared<IwaeBoundOp>(k), {terms, z, eps, logvar, weight}, name);
}

TensorId kl_value(Graph& g, TensorId mu, TensorId logvar, const std::string& name) {
  return g.apply1(std::make_shared<KlValueOp>(), {mu, logvar}, name);
}

}  // namespace vkvae::nn
