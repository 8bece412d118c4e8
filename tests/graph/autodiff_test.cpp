// Autodiff and compiled programs: the backward graph's structure, and on the device the
// gradients of small networks (an MLP, shared weights, a conditional concatenation whose input
// feeds two consumers, conv → transposed conv through a reshape) against central finite
// differences of the same program's objective.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "graph/autodiff.hpp"
#include "graph/fuse.hpp"
#include "graph/program.hpp"
#include "ops/gemm.hpp"
#include "nn/layers.hpp"
#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::graph {
namespace {

using ops::Activation;

TEST(Autodiff, SharedWeightsAccumulateAndTheGraphPrints) {
  Graph g;
  const TensorId x = g.input("x", {3, 4}), t = g.input("t", {3, 4}), weight = g.state("w_loss", {1});
  const TensorId w = g.parameter("w", {4, 4}), b = g.parameter("b", {4});
  const TensorId h = nn::linear(g, x, w, b, {Activation::tanh}, "h");
  const TensorId y = nn::linear(g, h, w, TensorId{}, {}, "y");
  nn::recon_loss(g, ops::ReconLoss::squared_error, y, t, weight, "loss");
  const std::size_t forward = g.nodes().size();
  const auto grads = differentiate(g);
  ASSERT_TRUE(grads[w.index].valid());
  EXPECT_EQ(g.info(grads[w.index]).role, Role::gradient);
  EXPECT_EQ(g.info(grads[w.index]).gradient_of, w);
  EXPECT_FALSE(grads[x.index].valid());  // inputs get no gradient
  int writes_to_dw = 0, accumulating = 0;
  for (std::size_t n = forward; n < g.nodes().size(); ++n) {
    const Node& node = g.nodes()[n];
    EXPECT_TRUE(node.backward);
    if (node.outputs[0] == grads[w.index]) {
      ++writes_to_dw;
      accumulating += node.accumulate;
    }
  }
  EXPECT_EQ(writes_to_dw, 2);   // one contribution per use of w
  EXPECT_EQ(accumulating, 1);   // the second adds to the first
  const std::string text = g.to_string();
  EXPECT_NE(text.find("0: linear tanh x(3, 4)[48 B], w(4, 4)[64 B], b(4)[16 B] → h(3, 4)[48 B]"), std::string::npos) << text;
  EXPECT_NE(text.find("+→ dw(4, 4)"), std::string::npos) << text;
}

// Counts the nodes whose op name starts with `prefix`.
int count_ops(const Graph& g, const std::string& prefix) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op->name().rfind(prefix, 0) == 0;
  return n;
}

TEST(Fusion, ActivationGradientsFoldIntoTheNodesThatMakeTheirInput) {
  // h (tanh) feeds two heads, so its gradient has two contributions: the last one is gated.
  // The concatenation's slice cannot be gated: that activation gradient stays a node.
  Graph g;
  const TensorId x = g.input("x", {3, 6}), c = g.input("c", {3, 2}), weight = g.state("weight", {1});
  const TensorId we = g.parameter("we", {5, 6}), wm = g.parameter("wm", {2, 5}), wv = g.parameter("wv", {2, 5});
  const TensorId wd = g.parameter("wd", {6, 4}), bd = g.parameter("bd", {6});
  const TensorId h = nn::linear(g, x, we, TensorId{}, {Activation::tanh}, "h");
  const TensorId mu = nn::linear(g, h, wm, TensorId{}, {Activation::sigmoid}, "mu");
  const TensorId logvar = nn::linear(g, h, wv, TensorId{}, {}, "logvar");
  const TensorId logits = nn::linear(g, nn::concat(g, mu, c), wd, bd, {}, "logits");
  nn::recon_loss(g, ops::ReconLoss::bce_with_logits, logits, x, weight);
  nn::kl_divergence(g, mu, logvar, weight);
  differentiate(g);
  ASSERT_EQ(count_ops(g, "activation_grad"), 2);
  EXPECT_EQ(count_ops(g, "linear_weight_bias_grad"), 1);  // wd and bd in one node
  EXPECT_EQ(count_ops(g, "bias_grad"), 0);
  const std::size_t before = g.nodes().size();
  EXPECT_EQ(fuse_activation_gradients(g), 1u);
  EXPECT_EQ(g.nodes().size(), before - 1);
  EXPECT_EQ(count_ops(g, "activation_grad sigmoid"), 1);  // mu's: made by a slice and the KL
  EXPECT_EQ(count_ops(g, "activation_grad tanh"), 0);
  int gated = 0;
  for (const Node& node : g.nodes()) {
    if (node.op->name() != "linear_input_grad ⊙ tanh'") continue;
    ++gated;
    EXPECT_TRUE(node.accumulate);  // the second head's contribution gates the sum
    EXPECT_EQ(g.info(node.inputs.back()).name, "h");
  }
  EXPECT_EQ(gated, 1);
  // No node reads the folded node's output any more.
  for (const Node& node : g.nodes()) {
    for (TensorId in : node.inputs) EXPECT_NE(g.info(in).name, "dh_pre");
  }
}

TEST(GraphErrors, ViewsAndNodesMustFit) {
  Graph g;
  const TensorId x = g.input("x", {2, 3});
  EXPECT_THROW(g.view(x, {7}), Error);
  EXPECT_THROW(g.input("empty", {0, 3}), Error);
  const TensorId w = g.parameter("w", {4, 3});
  const TensorId y = nn::linear(g, x, w, TensorId{});
  const TensorId other = g.tensor("other", {2, 5}, Role::activation);
  EXPECT_THROW(g.apply_into(g.nodes()[0].op, {x, w}, {other}, false), Error);  // (2,4) into (2,5)
  EXPECT_THROW(g.apply_into(g.nodes()[0].op, {x, w}, {y}, true), Error);       // Linear cannot accumulate
}

TEST(Autodiff, NeedsALossAndDifferentiableOps) {
  Graph g;
  const TensorId x = g.input("x", {2, 3});
  nn::linear(g, x, g.parameter("w", {4, 3}), TensorId{});
  EXPECT_THROW(differentiate(g), Error);
  EXPECT_THROW(nn::linear(g, x, g.parameter("bad", {4, 5}), TensorId{}), Error);
}

// Runs a graph's program and checks every parameter's gradient against central differences.
class GradientCheck : public test::VulkanTest {
 protected:
  void check(Graph& g, const std::vector<TensorId>& params, const std::vector<TensorId>& inputs,
             const std::vector<std::pair<TensorId, std::pair<double, double>>>& input_ranges, TensorId loss_weight,
             const std::vector<TensorId>& losses) {
    const auto grads = differentiate(g);
    fuse_activation_gradients(g);  // as training does: the fused nodes are what the check checks
    ops::Kernels kernels(context());
    Program program(context(), kernels, g, losses);
    EXPECT_LE(program.stats().activation_bytes, program.stats().naive_activation_bytes);

    std::mt19937 rng(11);
    std::uniform_real_distribution<float> unit(-0.8f, 0.8f);
    const auto upload = [&](TensorId id, const std::vector<float>& values) {
      const ops::Tensor t = program.tensor(id);
      context().upload(*t.buffer, t.offset, std::as_bytes(std::span<const float>(values)));
    };
    const auto download = [&](TensorId id) {
      const ops::Tensor t = program.tensor(id);
      std::vector<float> v(static_cast<std::size_t>(t.numel()));
      context().download(*t.buffer, t.offset, std::as_writable_bytes(std::span<float>(v)));
      return v;
    };
    std::vector<std::vector<float>> param_values;
    for (TensorId p : params) {
      std::vector<float> v(static_cast<std::size_t>(g.info(p).shape.numel()));
      for (float& e : v) e = unit(rng);
      param_values.push_back(v);
      upload(p, v);
    }
    for (auto [id, range] : input_ranges) {
      std::uniform_real_distribution<float> dist(static_cast<float>(range.first), static_cast<float>(range.second));
      std::vector<float> v(static_cast<std::size_t>(g.info(id).shape.numel()));
      for (float& e : v) e = dist(rng);
      upload(id, v);
    }
    (void)inputs;
    const float weight = 0.5f;
    upload(loss_weight, {weight});

    vk::CommandBuffer commands = context().commands();
    commands.begin(vk::CommandBuffer::Use::kReplay);
    program.record(commands);
    commands.end();
    const auto objective = [&]() {
      context().submit_and_wait(commands);
      double total = 0;
      for (TensorId l : losses)
        for (float v : download(l)) total += static_cast<double>(weight) * static_cast<double>(v);
      return total;
    };
    objective();
    std::vector<std::vector<float>> analytic;
    for (TensorId p : params) {
      ASSERT_TRUE(grads[p.index].valid()) << g.info(p).name;
      analytic.push_back(download(grads[p.index]));
    }
    EXPECT_GT(program.stats().dispatches, 0u);

    // Recorded in parts, a level each (as a data-parallel step records its last shard), the
    // program computes the same bits; each gradient is final by the end of its span's last level.
    const std::vector<GradientSpan> spans = program.gradient_spans();
    ASSERT_EQ(spans.size(), params.size());
    for (std::size_t k = 0; k < params.size(); ++k) {
      const ops::Tensor grad = program.tensor(grads[params[k].index]);
      const auto span = std::find_if(spans.begin(), spans.end(), [&](const GradientSpan& s) { return s.offset == grad.offset; });
      ASSERT_NE(span, spans.end()) << g.info(params[k]).name;
      EXPECT_EQ(span->bytes, grad.bytes());
      EXPECT_LT(span->last_level, program.schedule().levels);
    }
    const uint32_t levels = program.schedule().levels;
    std::vector<std::vector<std::vector<float>>> after_level(levels);  // every gradient, after each part
    {
      // NaNs in every gradient first: what a level has not written yet shows.
      const ops::Tensor arena = program.gradient_arena();
      vk::CommandBuffer poison = context().commands();
      poison.begin();
      poison.fill(*arena.buffer, arena.offset, arena.bytes(), 0xffffffffu);
      poison.barrier(vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite | vk::kHostRead);
      poison.end();
      context().submit_and_wait(poison);
    }
    for (uint32_t level = 0; level < levels; ++level) {
      vk::CommandBuffer part = context().commands();
      part.begin();
      program.record(part, nullptr, {}, {level, level + 1 == levels ? UINT32_MAX : level + 1});
      part.end();
      context().submit_and_wait(part);
      for (TensorId p : params) after_level[level].push_back(download(grads[p.index]));
    }
    for (std::size_t k = 0; k < params.size(); ++k) {
      EXPECT_EQ(after_level.back()[k], analytic[k]) << g.info(params[k]).name << ": recorded in parts";
      for (const GradientSpan& s : spans) {
        if (s.offset == program.tensor(grads[params[k].index]).offset) {
          EXPECT_EQ(after_level[s.last_level][k], analytic[k]) << g.info(params[k]).name << ": not final after its last level";
        }
      }
    }

    for (std::size_t k = 0; k < params.size(); ++k) {
      const std::size_t n = param_values[k].size(), step = std::max<std::size_t>(1, n / 12);
      for (std::size_t i = 0; i < n; i += step) {
        const float h = 1e-2f;
        std::vector<float> v = param_values[k];
        v[i] = param_values[k][i] + h;
        upload(params[k], v);
        const double plus = objective();
        v[i] = param_values[k][i] - h;
        upload(params[k], v);
        const double minus = objective();
        upload(params[k], param_values[k]);
        const double numeric = (plus - minus) / (2.0 * static_cast<double>(h));
        EXPECT_NEAR(analytic[k][i], numeric, 2e-3 + 2e-2 * std::abs(numeric))
            << g.info(params[k]).name << "[" << i << "]";
      }
    }
    context().submit_and_wait(commands);  // leave the buffers as the last run wrote them
  }

  // x (batch, in) → tanh(linear to hidden) → linear to out → BCE with logits, checked.
  void two_layer_perceptron(int64_t batch, int64_t in, int64_t hidden, int64_t out) {
    Graph g;
    const TensorId x = g.input("x", {batch, in}), t = g.input("t", {batch, out}), weight = g.state("weight", {1});
    const TensorId w1 = g.parameter("w1", {hidden, in}), b1 = g.parameter("b1", {hidden});
    const TensorId w2 = g.parameter("w2", {out, hidden}), b2 = g.parameter("b2", {out});
    const TensorId h = nn::linear(g, x, w1, b1, {Activation::tanh});
    const TensorId logits = nn::linear(g, h, w2, b2);
    const TensorId loss = nn::recon_loss(g, ops::ReconLoss::bce_with_logits, logits, t, weight);
    check(g, {w1, b1, w2, b2}, {x, t}, {{x, {-1, 1}}, {t, {0, 1}}}, weight, {loss});
  }
};

TEST_F(GradientCheck, TwoLayerPerceptron) { two_layer_perceptron(3, 5, 4, 6); }

TEST_F(GradientCheck, AWeightGradientSplitAlongALargeBatch) {
  // 600 rows: w1's gradient (48×40, one 64×64 block) sums over the batch in 2 slices of K in the
  // GPU profile (ops::split_k_slices), through the program's workspace; its bias gradient is
  // the slices' row sums.
  ops::Kernels kernels(context());
  EXPECT_EQ(ops::split_k_slices(48, 40, 600, kernels.profile()), kernels.profile().tiled_gemm ? 2u : 1u);
  two_layer_perceptron(600, 40, 48, 6);
}

TEST_F(GradientCheck, SharedWeights) {
  Graph g;
  const TensorId x = g.input("x", {3, 4}), t = g.input("t", {3, 4}), weight = g.state("weight", {1});
  const TensorId w = g.parameter("w", {4, 4}), b = g.parameter("b", {4});
  const TensorId h = nn::linear(g, x, w, b, {Activation::softplus});
  const TensorId y = nn::linear(g, h, w, TensorId{}, {Activation::sigmoid});
  const TensorId loss = nn::recon_loss(g, ops::ReconLoss::squared_error, y, t, weight);
  check(g, {w, b}, {x, t}, {{x, {-1, 1}}, {t, {0, 1}}}, weight, {loss});
}

TEST_F(GradientCheck, ConditionalConcatWithAReusedActivation) {
  // h feeds both the concatenation and a second loss: its gradient adds two contributions.
  Graph g;
  const TensorId x = g.input("x", {3, 5}), c = g.input("c", {3, 2}), t = g.input("t", {3, 4}), weight = g.state("weight", {1});
  const TensorId t2 = g.input("t2", {3, 3});
  const TensorId w1 = g.parameter("w1", {3, 5}), b1 = g.parameter("b1", {3});
  const TensorId w2 = g.parameter("w2", {4, 5}), b2 = g.parameter("b2", {4});
  const TensorId h = nn::linear(g, x, w1, b1, {Activation::elu, 1.0f});
  const TensorId hc = nn::concat(g, h, c);
  const TensorId logits = nn::linear(g, hc, w2, b2);
  const TensorId loss1 = nn::recon_loss(g, ops::ReconLoss::bce_with_logits, logits, t, weight);
  const TensorId loss2 = nn::recon_loss(g, ops::ReconLoss::squared_error, h, t2, weight);
  check(g, {w1, b1, w2, b2}, {x, c, t, t2}, {{x, {-1, 1}}, {c, {0, 1}}, {t, {0, 1}}, {t2, {-1, 1}}}, weight, {loss1, loss2});
}

TEST_F(GradientCheck, ConvThenTransposedConvThroughAReshape) {
  Graph g;
  const TensorId x = g.input("x", {2, 2, 5, 5}), t = g.input("t", {2, 50}), weight = g.state("weight", {1});
  const TensorId wc = g.parameter("wc", {3, 2, 3, 3}), bc = g.parameter("bc", {3});
  const TensorId wt = g.parameter("wt", {3, 2, 3, 3}), bt = g.parameter("bt", {2});
  const TensorId h = nn::conv2d(g, x, wc, bc, {2, 1, 0}, {Activation::tanh});            // (2,3,3,3)
  const TensorId y = nn::conv_transpose2d(g, h, wt, bt, {2, 1, 0}, {});                   // (2,2,5,5)
  const TensorId flat = g.view(y, {2, 50}, "flat");
  const TensorId loss = nn::recon_loss(g, ops::ReconLoss::bce_with_logits, flat, t, weight);
  check(g, {wc, bc, wt, bt}, {x, t}, {{x, {-1, 1}}, {t, {0, 1}}}, weight, {loss});
}

TEST_F(GradientCheck, TinyVariationalAutoencoder) {
  // Encoder to (μ, log σ²), the reparameterization with noise from the device RNG, a decoder,
  // and the two loss terms: μ and log σ² each receive gradients from both.
  Graph g;
  const TensorId x = g.input("x", {3, 6}), weight = g.state("weight", {1}), rng = g.state("rng", {4}, ops::DType::u32);
  const TensorId we = g.parameter("we", {5, 6}), be = g.parameter("be", {5});
  const TensorId wm = g.parameter("wm", {2, 5}), wv = g.parameter("wv", {2, 5}), bv = g.parameter("bv", {2});
  const TensorId wd = g.parameter("wd", {6, 2}), bd = g.parameter("bd", {6});
  const TensorId h = nn::linear(g, x, we, be, {Activation::tanh});
  const TensorId mu = nn::linear(g, h, wm, TensorId{}), logvar = nn::linear(g, h, wv, bv);
  const TensorId z = nn::reparameterize(g, mu, logvar, rng, "z");
  const TensorId logits = nn::linear(g, z, wd, bd);
  const TensorId recon = nn::recon_loss(g, ops::ReconLoss::bce_with_logits, logits, x, weight);
  const TensorId kl = nn::kl_divergence(g, mu, logvar, weight);
  check(g, {we, be, wm, wv, bv, wd, bd}, {x}, {{x, {0, 1}}}, weight, {recon, kl});
}

TEST_F(GradientCheck, PlannedActivationsShareMemoryInADeepChain) {
  Graph g;
  const TensorId x = g.input("x", {8, 64}), t = g.input("t", {8, 64}), weight = g.state("weight", {1});
  TensorId h = x;
  std::vector<TensorId> params;
  for (int layer = 0; layer < 6; ++layer) {
    params.push_back(g.parameter("w" + std::to_string(layer), {64, 64}));
    h = nn::linear(g, h, params.back(), TensorId{}, {Activation::tanh});
  }
  nn::recon_loss(g, ops::ReconLoss::squared_error, h, t, weight);
  differentiate(g);
  ops::Kernels kernels(context());
  Program program(context(), kernels, g);
  EXPECT_LT(program.stats().activation_bytes, program.stats().naive_activation_bytes);
  EXPECT_EQ(program.stats().parameter_bytes, 6u * 64 * 64 * 4);
}

}  // namespace
}  // namespace vkvae::graph
