// Training options: each model's recipe, flags over --config files over recipes, the KL
// schedule, and a one-line error naming the flag (or file and key) for each bad value.
#include <gtest/gtest.h>

#include <cmath>

#include <fstream>
#include <nlohmann/json.hpp>

#include "train/options.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

TEST(Options, RecipesFollowTheModels) {
  GivenOptions given;
  TrainOptions conv = resolve(given);
  EXPECT_EQ(conv.model, "conv");
  EXPECT_EQ(conv.latent(), 16);
  EXPECT_EQ(conv.batch, 128);
  given.model = "mlp";
  TrainOptions mlp = resolve(given);
  EXPECT_EQ(mlp.latent(), 20);
  EXPECT_EQ(mlp.spec.hidden, 400);
  EXPECT_EQ(mlp.lr, 1e-3);
  given.model = "cmlp";
  EXPECT_EQ(resolve(given).batch, 64);
  given.model = "mlp2";
  TrainOptions mlp2 = resolve(given);
  EXPECT_EQ(mlp2.latent(), 2);
  EXPECT_EQ(mlp2.spec.hidden, 512);
  EXPECT_EQ(mlp2.batch, 32);
  EXPECT_EQ(mlp2.lr, 1e-4);
  EXPECT_EQ(mlp2.loss, ops::ReconLoss::squared_error);
  given.latent = 3;
  given.optimizer = "adamw";
  TrainOptions changed = resolve(given);
  EXPECT_EQ(changed.latent(), 3);
  EXPECT_EQ(changed.weight_decay, 0.01);  // AdamW's default
}

TEST(Options, KlWeightFollowsTheSchedule) {
  TrainOptions o;
  o.beta = 4.0;
  o.recon_only_epochs = 1;
  o.kl_warmup = 2;
  EXPECT_EQ(o.kl_weight(0), 0.0);  // reconstruction only
  EXPECT_EQ(o.kl_weight(1), 0.0);  // warm-up starts at 0
  EXPECT_EQ(o.kl_weight(2), 2.0);
  EXPECT_EQ(o.kl_weight(3), 4.0);
  EXPECT_EQ(o.kl_weight(9), 4.0);
}

TEST(Options, JsonRoundTripsAndConfigFilesYieldToFlags) {
  GivenOptions given;
  given.model = "cconv";
  given.beta = 2.5;
  given.seed = 7;
  const TrainOptions o = resolve(given);
  const TrainOptions back = options_from_json(to_json(o), "config.json");
  EXPECT_EQ(to_json(back), to_json(o));

  const auto path = std::filesystem::temp_directory_path() / "vkvae_options_test.json";
  std::ofstream(path) << R"({"model": "mlp", "epochs": 3, "lr": 0.01})";
  GivenOptions merged = read_config_file(path);
  GivenOptions flags;
  flags.lr = 0.5;
  merged.merge(flags);
  const TrainOptions r = resolve(merged);
  EXPECT_EQ(r.model, "mlp");
  EXPECT_EQ(r.epochs, 3);
  EXPECT_EQ(r.lr, 0.5);
  std::filesystem::remove(path);
}

std::string error_of(const GivenOptions& given) {
  try {
    resolve(given);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Options, BadValuesNameTheirFlag) {
  const auto with = [](auto set) {
    GivenOptions g;
    set(g);
    return error_of(g);
  };
  EXPECT_EQ(with([](GivenOptions& g) { g.model = "gan"; }), "--model gan: unknown model; use cconv, cmlp, conv, mlp, mlp2 or a spec file FILE.json");
  EXPECT_EQ(with([](GivenOptions& g) { g.batch = 0; }), "--batch 0: must be at least 1");
  EXPECT_EQ(with([](GivenOptions& g) { g.latent = -2; }), "--latent -2: must be at least 1");
  EXPECT_EQ(with([](GivenOptions& g) { g.hidden = 0; }), "--hidden 0: must be at least 1");
  EXPECT_EQ(with([](GivenOptions& g) { g.epochs = 0; }), "--epochs 0: must be at least 1");
  EXPECT_EQ(with([](GivenOptions& g) { g.beta = -1.0; }), "--beta -1.0: must be a finite number ≥ 0");
  EXPECT_EQ(with([](GivenOptions& g) { g.lr = 0.0; }), "--lr 0.0: must be a finite number > 0");
  EXPECT_EQ(with([](GivenOptions& g) { g.weight_decay = -0.5; }), "--weight-decay -0.5: must be a finite number ≥ 0");
  EXPECT_EQ(with([](GivenOptions& g) { g.loss = "l1"; }), "--loss l1: unknown loss; use bce or mse");
  EXPECT_EQ(with([](GivenOptions& g) { g.optimizer = "lion"; }), "--optimizer lion: unknown optimizer; use adam, adamw or sgd");
  EXPECT_EQ(with([](GivenOptions& g) { g.binarize = "static"; }), "--binarize static: use none or dynamic");
  EXPECT_EQ(with([](GivenOptions& g) { g.max_steps = -1; }), "--max-steps -1: must be at least 0");
  EXPECT_EQ(with([](GivenOptions& g) { g.kl_warmup = -1; }), "--kl-warmup -1: must be at least 0");
  EXPECT_EQ(with([](GivenOptions& g) { g.objective = "vimco"; }), "--objective vimco: use elbo or iwae");
  for (const char* size : {"64x", "x64", "64y48", "big", "64x48x3"}) {
    EXPECT_EQ(with([&](GivenOptions& g) { g.image_size = size; }), std::string("--image-size ") + size + ": give H or HxW in pixels, e.g. 64 or 64x48");
  }
  EXPECT_EQ(with([](GivenOptions& g) { g.image_size = "0x8"; }), "--image-size 0x8: each side must be 1–4096 pixels");
  EXPECT_EQ(with([](GivenOptions& g) { g.image_size = "5000"; }), "--image-size 5000: each side must be 1–4096 pixels");
  EXPECT_EQ(with([](GivenOptions& g) { g.channels = 2; }), "--channels 2: use 1 (grey) or 3 (RGB)");
  GivenOptions sized;
  sized.image_size = "64x48";
  EXPECT_EQ(resolve(sized).format.width, 48);
  EXPECT_EQ(with([](GivenOptions& g) { g.k = 5; }), "--k 5: needs --objective iwae (the ELBO takes one sample)");
  EXPECT_EQ(with([](GivenOptions& g) { g.objective = "iwae", g.k = 0; }), "--k 0: must be at least 1");
  EXPECT_EQ(with([](GivenOptions& g) { g.objective = "iwae", g.kl_warmup = 2; }),
            "--kl-warmup 2: applies to the ELBO; --objective iwae trains the bound itself");
  EXPECT_EQ(with([](GivenOptions& g) { g.objective = "iwae", g.loss = "mse"; }), "--objective iwae: needs the Bernoulli likelihood (--loss bce)");
  GivenOptions iwae;
  iwae.objective = "iwae";
  EXPECT_EQ(resolve(iwae).k, 5);  // the default K
  // As typed, not as JSON's null.
  EXPECT_EQ(with([](GivenOptions& g) { g.lr = std::nan(""); }), "--lr nan: must be a finite number > 0");
  EXPECT_EQ(with([](GivenOptions& g) { g.beta = -INFINITY; }), "--beta -inf: must be a finite number ≥ 0");
}

TEST(Options, ConfigFilesNameTheFileAndKey) {
  const auto path = std::filesystem::temp_directory_path() / "vkvae_options_bad.json";
  std::filesystem::remove_all(path);
  const auto error = [&](const std::string& text) {
    std::ofstream(path) << text;
    try {
      read_config_file(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string where = "--config " + path.string() + ": ";
  EXPECT_EQ(error(R"({"learning-rate": 1})"), where + "unknown option \"learning-rate\"; see vkvae-train --help for the names");
  EXPECT_EQ(error(R"({"batch": "big"})"), where + "\"batch\" has the wrong type (\"big\"); see vkvae-train --help");
  EXPECT_EQ(error(R"({"batch": 1.5})"), where + "\"batch\" has the wrong type (1.5); see vkvae-train --help");
  EXPECT_EQ(error("[1]"), where + "expected a JSON object of option names and values");
  EXPECT_EQ(error("{").rfind(where + "not valid JSON", 0), 0u);
  // As strict as --seed on the command line.
  EXPECT_EQ(error(R"({"seed": -1})"), where + "\"seed\" -1: must be at least 0");
  std::filesystem::remove(path);
  // A directory where the file should be: one clear line, not a stream error.
  std::filesystem::create_directories(path);
  EXPECT_EQ(error("").rfind(where + "is a directory", 0), 0u) << error("");
  std::filesystem::remove_all(path);
  EXPECT_EQ(error_of({}), "no error");
}

TEST(Options, SpecFilesGiveTheModelAndTravelInTheConfig) {
  const auto path = std::filesystem::temp_directory_path() / "vkvae_options_spec.json";
  std::ofstream(path) << R"({"latent": 5, "hidden": 12, "likelihood": "gaussian", "defaults": {"batch": 16, "lr": 0.003},
      "encoder": [{"type": "flatten"}, {"type": "linear", "out": "hidden", "activation": "tanh"}],
      "decoder": [{"type": "linear", "out": "data"}]})";
  GivenOptions given;
  given.model = path.string();
  given.hidden = 24;
  given.lr = 0.5;
  const TrainOptions o = resolve(given);
  EXPECT_EQ(o.model_label(), "vkvae_options_spec");
  EXPECT_EQ(o.latent(), 5);
  EXPECT_EQ(o.spec.hidden, 24);                          // --hidden sets the spec's size
  EXPECT_EQ(o.batch, 16);                                // the spec's defaults are the recipe
  EXPECT_EQ(o.lr, 0.5);                                  // and flags beat them
  EXPECT_EQ(o.loss, ops::ReconLoss::squared_error);      // a gaussian likelihood
  // The config carries the spec: it rebuilds the model with the file gone.
  std::filesystem::remove(path);
  const TrainOptions back = options_from_json(to_json(o), "config.json");
  EXPECT_EQ(to_json(back), to_json(o));
  EXPECT_EQ(back.spec.hidden, 24);
  // A data set's class names travel too (image folders name them).
  TrainOptions named = o;
  named.classes = 2;
  named.class_names = {"cat", "dog"};
  const TrainOptions named_back = options_from_json(to_json(named), "config.json");
  EXPECT_EQ(named_back.class_name(1), "dog");
  EXPECT_EQ(o.class_name(3), "3");  // numbers where the data names none
  nlohmann::json wrong = to_json(named);
  wrong["class-names"] = {"cat"};
  EXPECT_THROW(options_from_json(wrong, "config.json"), UsageError);
  EXPECT_EQ(error_of(given), "--model " + path.string() + ": no such file; give a built-in model name or a spec file");
}

TEST(Options, SpecsRefuseSizesTheyLackAndDefaultsThatAreNotTrainingOptions) {
  const auto path = std::filesystem::temp_directory_path() / "vkvae_options_spec_bad.json";
  const auto error = [&](const std::string& text, std::optional<int64_t> hidden = std::nullopt) {
    std::ofstream(path) << text;
    GivenOptions given;
    given.model = path.string();
    given.hidden = hidden;
    return error_of(given);
  };
  const std::string layers = R"("encoder": [{"type": "flatten"}], "decoder": [{"type": "linear", "out": "data"}])";
  const std::string origin = "--model " + path.string();
  EXPECT_EQ(error("{\"latent\": 3, " + layers + "}", 8), "--hidden 8: the model " + path.string() +
                                                             " has no \"hidden\" size to set; change its layers in the spec");
  EXPECT_EQ(error("{\"latent\": 3, \"defaults\": {\"latent\": 4}, " + layers + "}"),
            origin + ": \"defaults\" may not set \"latent\"; it holds training options such as batch and lr");
  EXPECT_EQ(error("{\"latent\": 3, \"defaults\": {\"batch\": \"x\"}, " + layers + "}"),
            origin + ": \"defaults\": \"batch\" has the wrong type (\"x\"); see vkvae-train --help");
  EXPECT_EQ(error("{\"latent\": 3, " + layers).rfind(origin + ": not valid JSON (", 0), 0u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace vkvae::train
