// Training steps against PyTorch: for each fixture of tests/fixtures (written by
// scripts/make_fixtures.py with PyTorch), the same model, weights, data, batch order and
// reparameterization noise give the same first-step gradients (tight: 1e-3 relative to the
// tensor's largest), the same per-step losses, and the same weights after a few Adam steps
// (looser: Adam divides by √v, so a gradient that is nearly zero on both sides can still move
// its weight differently by a part of the learning rate). Prints the worst differences. "spec":
// a model a spec alone describes, unnamed layers and every activation; "colour": a conditional
// spec on 3×12×10 images of 3 classes; "iwae": mlp trained on the importance-weighted bound of 5
// samples, whose first loss term is −L_K (make_fixtures.py).
#include <gtest/gtest.h>

#include <cstdlib>

#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "models/vae.hpp"
#include "support/vulkan_test.hpp"
#include "train/options.hpp"
#include "train/step.hpp"

namespace vkvae::train {
namespace {

using graph::Program;
using graph::TensorId;

class TorchFixture : public test::VulkanTest, public ::testing::WithParamInterface<const char*> {
 protected:
  template <typename T>
  void put(const Program& p, TensorId id, const std::vector<T>& values) {
    const ops::Tensor t = p.tensor(id);
    context().upload(*t.buffer, t.offset, std::as_bytes(std::span<const T>(values)));
  }
  std::vector<float> get(const Program& p, TensorId id, std::size_t count) {
    const ops::Tensor t = p.tensor(id);
    return context().download<float>(*t.buffer, count, t.offset);
  }
  static std::vector<float> values(const io::SafeTensors& file, const std::string& name) {
    const io::NamedTensor* t = file.find(name);
    if (!t) throw std::runtime_error("fixture has no " + name);
    std::vector<float> v(t->data.size() / 4);
    std::memcpy(v.data(), t->data.data(), t->data.size());
    return v;
  }
};

TEST_P(TorchFixture, StepsMatchPyTorch) {
  // VKVAE_FIXTURES at run time serves a build carried to another machine (bench/gpu.sh).
  const char* dir = std::getenv("VKVAE_FIXTURES");
  const std::string path = std::string(dir != nullptr ? dir : VKVAE_FIXTURES) + "/" + GetParam() + "_steps.safetensors";
  const io::SafeTensors file = io::read_safetensors(path);
  const auto meta = [&](const char* key) { return nlohmann::json::parse(file.metadata.at(key)); };
  GivenOptions given;
  given.model = meta("model").get<std::string>();
  given.latent = meta("latent").get<int64_t>();
  if (file.metadata.count("hidden")) given.hidden = meta("hidden").get<int64_t>();
  if (file.metadata.count("spec")) given.spec = meta("spec");
  if (file.metadata.count("data-shape")) given.data_shape = meta("data-shape").get<std::vector<int64_t>>();
  if (file.metadata.count("classes")) given.classes = meta("classes").get<int64_t>();
  if (file.metadata.count("objective")) given.objective = meta("objective").get<std::string>();
  if (file.metadata.count("k")) given.k = meta("k").get<int64_t>();
  given.loss = meta("loss").get<std::string>();
  given.batch = meta("batch").get<int64_t>();
  given.lr = meta("lr").get<double>();
  const TrainOptions options = resolve(given);
  const uint64_t seed = meta("seed").get<uint64_t>();
  const int steps = meta("steps").get<int>();

  const std::vector<float> image_values = values(file, "images"), label_values = values(file, "labels"), order_values = values(file, "order");
  const auto count = static_cast<int64_t>(order_values.size());
  auto model = models::build_vae(options.training_config(count));
  ops::Kernels kernels(context());
  StepConfig config;
  config.batch = static_cast<uint32_t>(options.batch);
  config.losses = {model->recon, model->kl};
  TrainStep step(context(), kernels, model->graph, {model->step, model->rng, model->cursor}, config);
  Program& p = step.program();

  std::vector<uint8_t> images(image_values.begin(), image_values.end()), labels(label_values.begin(), label_values.end());
  std::vector<uint32_t> order(order_values.begin(), order_values.end());
  put(p, model->images, images);
  if (model->labels.valid()) put(p, model->labels, labels);
  put(p, model->order, order);
  for (TensorId id : model->parameters) put(p, id, values(file, "init." + model->graph.info(id).name));
  const float weight = 1.0f / static_cast<float>(options.batch);
  put(p, model->recon_weight, std::vector<float>{weight});
  put(p, model->kl_weight, std::vector<float>{weight});
  ops::OptimizerHyper hyper;
  hyper.lr = static_cast<float>(options.lr);
  step.reset(seed, hyper);

  vk::CommandBuffer commands = context().commands();
  commands.begin(vk::CommandBuffer::Use::kReplay);
  step.record(commands);
  commands.end();
  // Compares every parameter-shaped tensor of `arena` (parameters or gradients) with the
  // fixture's `prefix` tensors: |a − b| ≤ absolute + relative · max |b| of the tensor, for all
  // but `outliers` (a fraction) of the elements, and ≤ `cap` for every one.
  const auto compare = [&](const std::string& prefix, const std::function<ops::Tensor(TensorId)>& tensor, double absolute,
                           double relative, double outliers, double cap) {
    for (TensorId id : model->parameters) {
      const std::string& name = model->graph.info(id).name;
      const std::vector<float> expected = values(file, prefix + name);
      const ops::Tensor t = tensor(id);
      const std::vector<float> actual = context().download<float>(*t.buffer, expected.size(), t.offset);
      double largest = 0.0, worst = 0.0;
      for (float v : expected) largest = std::max(largest, std::fabs(static_cast<double>(v)));
      const double tolerance = absolute + relative * largest;
      std::size_t worst_at = 0, bad = 0;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        const double d = std::fabs(static_cast<double>(actual[i]) - static_cast<double>(expected[i]));
        if (d > worst) worst = d, worst_at = i;
        bad += d > tolerance ? 1 : 0;
      }
      EXPECT_LE(static_cast<double>(bad), outliers * static_cast<double>(expected.size())) << prefix << name << ": " << bad << " of " << expected.size() << " differ by more than " << tolerance
                         << "; worst at " << worst_at << ": " << actual[worst_at] << " vs PyTorch " << expected[worst_at];
      EXPECT_LE(worst, cap) << prefix << name << " at " << worst_at;
    }
  };
  const auto gradient = [&](TensorId id) {
    const ops::Tensor param = p.tensor(id), arena = p.parameter_arena(), grads = p.gradient_arena();
    return ops::Tensor{grads.buffer, grads.offset + (param.offset - arena.offset), param.shape};
  };
  const auto parameter = [&](TensorId id) { return p.tensor(id); };

  const std::vector<float> expected_losses = values(file, "losses");
  double recon_before = 0.0, kl_before = 0.0;
  for (int s = 0; s < steps; ++s) {
    context().submit_and_wait(commands);
    if (s == 0) compare("grad.", gradient, 1e-7, 1e-3, 0.0, 1.0);
    const auto sum = [&](std::size_t term) {
      const ops::Tensor t = step.metric_sum(0, term);
      return static_cast<double>(context().download<float>(*t.buffer, 1, t.offset)[0]);
    };
    const double recon = sum(0), kl = sum(1);
    const double batch = static_cast<double>(options.batch);
    const double expected_recon = expected_losses[2 * static_cast<std::size_t>(s)];
    const double expected_kl = expected_losses[2 * static_cast<std::size_t>(s) + 1];
    EXPECT_NEAR((recon - recon_before) / batch, expected_recon, 1e-5 * expected_recon + 1e-4) << "step " << s << " recon";
    EXPECT_NEAR((kl - kl_before) / batch, expected_kl, 1e-3 * expected_kl + 1e-5) << "step " << s << " kl";
    recon_before = recon, kl_before = kl;
  }

  // Adam moves each weight by about lr a step. A tenth of that for all but 0.1% of the weights
  // (the nearly-zero gradients), and never half a step.
  compare("final.", parameter, 0.1 * options.lr, 1e-4, 1e-3, 0.5 * options.lr);
}

std::string FixtureName(const ::testing::TestParamInfo<const char*>& param) { return param.param; }

INSTANTIATE_TEST_SUITE_P(Models, TorchFixture, ::testing::Values("mlp", "cmlp", "mlp2", "conv", "cconv", "spec", "colour", "iwae"), FixtureName);

}  // namespace
}  // namespace vkvae::train
