// A trained model from its checkpoint: per-example ELBO terms, the importance-weighted NLL
// (a tighter bound than the ELBO, batched across many batches per image), encoding and
// decoding (of the rows asked for, in their order); refusals for a checkpoint that is not one.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>

#include "support/model_test.hpp"
#include "train/inference.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

namespace fs = std::filesystem;

class Inference : public test::ModelTest {
 protected:
  Inference() : ModelTest(256, 24, "vkvae_inference") {}
  static double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }
};

TEST_F(Inference, ImportanceWeightedNllTightensTheElbo) {
  TrainedModel model(context(), trained("mlp"));
  EXPECT_EQ(model.step(), 16);
  const data::Dataset data = test_set();
  const Evaluation e = model.evaluate(data, 1);
  ASSERT_EQ(e.recon.size(), 24u);
  const double elbo = e.mean_recon() + e.mean_kl();
  EXPECT_TRUE(std::isfinite(elbo));
  EXPECT_EQ(model.evaluate(data, 1).recon, e.recon);  // the same seed, the same noise

  // k = 1 estimates the ELBO (with a sampled KL); k = 300 spans several batches per image
  // (24 images make a batch of 24 rows), and bounds −log p(x) more tightly.
  const std::vector<double> one = model.importance_nll(data, 1, 2);
  const std::vector<double> many = model.importance_nll(data, 300, 2);
  ASSERT_EQ(many.size(), 24u);
  EXPECT_NEAR(mean(one), elbo, 0.05 * elbo);
  EXPECT_LT(mean(many), elbo);
  EXPECT_GT(mean(many), 0.0);
}

TEST_F(Inference, EncodesAndDecodesEveryModel) {
  for (const char* kind : {"cconv", "mlp2"}) {
    SCOPED_TRACE(kind);
    TrainedModel model(context(), trained(kind));
    const data::Dataset data = test_set();
    const std::vector<float> mu = model.encode(data, {3, 5, 7});
    EXPECT_EQ(mu.size(), 3u * static_cast<std::size_t>(model.options().latent()));
    const Picture p = model.decode(mu, {1, 2, 3}, 3);
    EXPECT_EQ(p.width, 3u * 30 + 2);
    EXPECT_EQ(p.height, 32u);
    EXPECT_EQ(p.pixels.size(), std::size_t{p.width} * p.height);
  }
}

TEST_F(Inference, EncodingReadsTheRowsAskedForInTheOrderAsked) {
  // The device holds only the batch being encoded (data of any size fits): rows in any order,
  // repeated, give exactly the μ of those rows.
  TrainedModel model(context(), trained("mlp"));
  const data::Dataset data = test_set();
  std::vector<int64_t> all(24);
  std::iota(all.begin(), all.end(), 0);
  const std::vector<float> every = model.encode(data, all);
  const std::vector<int64_t> some = {7, 3, 23, 3};
  const std::vector<float> picked = model.encode(data, some);
  const auto latent = static_cast<std::size_t>(model.options().latent());
  ASSERT_EQ(picked.size(), some.size() * latent);
  for (std::size_t i = 0; i < some.size(); ++i) {
    for (std::size_t j = 0; j < latent; ++j) {
      ASSERT_EQ(picked[i * latent + j], every[static_cast<std::size_t>(some[i]) * latent + j]) << "row " << some[i];
    }
  }
}

TEST_F(Inference, MseModelsHaveNoImportanceWeightedNll) {
  TrainedModel model(context(), trained("mlp2"));
  EXPECT_THROW(model.importance_nll(test_set(), 10, 0), UsageError);
  std::ofstream(root_ / "not.safetensors") << "nothing";
  EXPECT_THROW(TrainedModel(context(), root_ / "not.safetensors"), Error);
}

// A checkpoint with a NaN weight, damaged progress metadata, or a tensor of another shape is
// refused (exit code 2, naming the file and what is wrong) instead of evaluated as if it were good.
TEST_F(Inference, DamagedCheckpointsAreRefusedNamingTheFile) {
  const fs::path good = trained("mlp");
  const io::SafeTensors original = io::read_safetensors(good);
  const auto refusal = [&](const std::function<void(io::SafeTensors&)>& damage) {
    io::SafeTensors file = original;
    damage(file);
    const fs::path bad = root_ / "bad.safetensors";
    io::write_safetensors(bad, file);
    try {
      TrainedModel model(context(), bad);
      model.evaluate(test_set(), 0);
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad.string() + ": "), std::string::npos) << e.what();
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(refusal([](io::SafeTensors& f) { reinterpret_cast<float*>(f.tensors[0].data.data())[3] = std::nanf(""); })
                .find("holds NaN or infinite values (the first at element 3)"),
            std::string::npos);
  EXPECT_NE(refusal([](io::SafeTensors& f) {
              nlohmann::json p = nlohmann::json::parse(f.metadata["progress"]);
              p["rng"] = {1, 2, 3};
              f.metadata["progress"] = p.dump();
            }).find("its training metadata is damaged (its RNG state must have 4 words)"),
            std::string::npos);
  EXPECT_NE(refusal([](io::SafeTensors& f) {
              nlohmann::json p = nlohmann::json::parse(f.metadata["progress"]);
              p["device_step"] = 999;
              f.metadata["progress"] = p.dump();
            }).find("its step counters disagree"),
            std::string::npos);
  EXPECT_NE(refusal([](io::SafeTensors& f) { f.tensors[0].shape = {static_cast<int64_t>(f.tensors[0].data.size() / 4)}; }).find("expected F32"),
            std::string::npos);
  EXPECT_NE(refusal([](io::SafeTensors& f) { f.tensors.erase(f.tensors.begin()); }).find("no tensor '"), std::string::npos);
}

}  // namespace
}  // namespace vkvae::train
