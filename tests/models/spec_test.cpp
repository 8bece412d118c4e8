// Model specs: the built-in models' specs give today's parameter names and shapes; a spec writes
// back to JSON that parses to the same spec; every way a spec can be wrong is refused in one
// line naming the layer by its place and the shapes involved.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "models/spec.hpp"
#include "util/error.hpp"

namespace vkvae::models {
namespace {

using nlohmann::json;

// "name shape" for every parameter, in declaration order (the encoder's, the heads', the decoder's).
std::vector<std::string> parameters(const ModelSpec& spec, int64_t classes = 10) {
  const Architecture a = plan_architecture(spec, kMnistShape, classes, "test");
  std::vector<std::string> out;
  const auto add = [&](const std::string& prefix, const std::vector<int64_t>& weight) {
    std::string shape;
    for (int64_t d : weight) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    out.push_back(prefix + " " + shape);
  };
  for (const LayerPlan& p : a.encoder) if (!p.weight.empty()) add(p.prefix, p.weight);
  add(spec.mu_name, {a.latent, a.features});
  add(spec.logvar_name, {a.latent, a.features});
  for (const LayerPlan& p : a.decoder) if (!p.weight.empty()) add(p.prefix, p.weight);
  return out;
}

TEST(ModelSpec, BuiltInModelsKeepTheirParameterNamesAndShapes) {
  EXPECT_EQ(builtin_model_names(), (std::vector<std::string>{"cconv", "cmlp", "conv", "mlp", "mlp2"}));
  EXPECT_EQ(parameters(*builtin_spec("mlp")),
            (std::vector<std::string>{"fc1 400x784", "fc21 20x400", "fc22 20x400", "fc3 400x20", "fc4 784x400"}));
  EXPECT_EQ(parameters(*builtin_spec("cmlp")),
            (std::vector<std::string>{"fc1 400x794", "fc21 20x400", "fc22 20x400", "fc3 400x30", "fc4 784x400"}));
  EXPECT_EQ(parameters(*builtin_spec("cconv")),
            (std::vector<std::string>{"enc_conv1 32x1x3x3", "enc_conv2 64x32x3x3", "enc_fc 256x3146", "fc_mu 16x256",
                                      "fc_logvar 16x256", "dec_fc1 256x26", "dec_fc2 3136x256", "dec_deconv1 64x32x3x3",
                                      "dec_deconv2 32x1x3x3"}));
  const ModelSpec mlp2 = *builtin_spec("mlp2");
  EXPECT_EQ(mlp2.likelihood, Likelihood::gaussian);
  EXPECT_EQ(mlp2.latent, 2);
  EXPECT_EQ(mlp2.defaults, json::parse(R"({"batch": 32, "lr": 0.0001})"));
}

TEST(ModelSpec, WritesBackTheSameSpec) {
  for (const std::string& name : builtin_model_names()) {
    const ModelSpec spec = *builtin_spec(name);
    EXPECT_EQ(to_json(parse_spec(to_json(spec), "again")), to_json(spec)) << name;
  }
  const json awkward = json::parse(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": 7,
      "activation": "leaky_relu", "slope": 0.25}], "decoder": [{"type": "linear", "out": "data", "activation": "elu"}]})");
  const json back = to_json(parse_spec(awkward, "test"));
  EXPECT_EQ(back["encoder"][1]["slope"], 0.25);
  EXPECT_EQ(back["decoder"][0]["alpha"], 1.0);  // PyTorch's default, written out
  EXPECT_EQ(back["decoder"][0]["out"], "data");
  EXPECT_EQ(to_json(parse_spec(back, "again")), back);
}

TEST(ModelSpec, UnnamedLayersAreNamedByTheirPlace) {
  const ModelSpec spec = parse_spec(json::parse(R"({"latent": 4, "conditional": true,
      "encoder": [{"type": "conv2d", "out": 3, "kernel": 5, "stride": 3}, {"type": "flatten"}, {"type": "linear", "out": 9}],
      "decoder": [{"type": "linear", "out": 75}, {"type": "unflatten", "shape": [3, 5, 5]},
                  {"type": "conv_transpose2d", "out": "data", "kernel": 4, "stride": 6, "padding": 1, "output_padding": 2}]})"),
                                    "test");
  // conv 28 → 8; the label joins the flattened 192 features; the transposed conv 5 → 28.
  EXPECT_EQ(parameters(spec), (std::vector<std::string>{"encoder.0 3x1x5x5", "encoder.2 9x202", "fc_mu 4x9", "fc_logvar 4x9",
                                                       "decoder.0 75x14", "decoder.2 3x1x4x4"}));
  const Architecture a = plan_architecture(spec, kMnistShape, 10, "test");
  EXPECT_TRUE(a.encoder[1].label_after);
  EXPECT_FALSE(a.decoder_ends_flat);
}

std::string refusal(const std::string& text, ImageShape image = kMnistShape) {
  try {
    plan_architecture(parse_spec(json::parse(text), "--model m.json"), image, 10, "--model m.json");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ModelSpec, RefusesWhatIsNotASpecNamingTheField) {
  const std::string tail = R"(, "decoder": [{"type": "linear", "out": "data"}]})";
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}], "decoder": [], "colour": 1})"),
            "--model m.json: the model spec: unknown key \"colour\"; a spec has description, latent, hidden, likelihood, "
            "conditional, encoder, heads, decoder and defaults");
  EXPECT_EQ(refusal(R"({"encoder": [{"type": "flatten"}])" + tail), "--model m.json: the model spec: missing \"latent\"");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "dense", "out": 3}])" + tail),
            "--model m.json: encoder[1]: unknown type \"dense\"; use linear, conv2d, conv_transpose2d, flatten or unflatten");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear"}])" + tail),
            "--model m.json: encoder[1]: missing \"out\"");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": 3, "kernel": 3}])" + tail),
            "--model m.json: encoder[1]: unknown key \"kernel\" for a linear layer");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": 3, "activation": "gelu"}])" + tail),
            "--model m.json: encoder[1]: unknown activation \"gelu\"; use relu, leaky_relu, elu, sigmoid, tanh or softplus");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "conv2d", "out": 3, "kernel": 3, "stride": 2, "padding": 3}])" + tail),
            "--model m.json: encoder[0]: \"padding\" 3: must be 0–2");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}], "decoder": [{"type": "linear", "out": 392},
      {"type": "unflatten", "shape": [2, 14, 14]}, {"type": "conv_transpose2d", "out": 1, "kernel": 2, "stride": 2, "output_padding": 2}]})"),
            "--model m.json: decoder[2]: \"output_padding\" 2 must be smaller than \"stride\" 2");
  EXPECT_EQ(refusal(R"({"latent": 2, "likelihood": "poisson", "encoder": [{"type": "flatten"}])" + tail),
            "--model m.json: the model spec: \"likelihood\" \"poisson\": use bernoulli or gaussian");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": 3, "name": "fc_mu"}])" + tail),
            "--model m.json: the model spec: encoder[1]: the name \"fc_mu\" is used twice");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": 3, "name": "a.b"}])" + tail),
            "--model m.json: encoder[1]: \"name\" \"a.b\": use letters, digits and _ only");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": {"type": "flatten"})" + tail),
            "--model m.json: the model spec: \"encoder\" must be a list of layers");
}

TEST(ModelSpec, RefusesASpecThatDoesNotFitTheDataNamingTheLayerAndShapes) {
  const std::string tail = R"(, "decoder": [{"type": "linear", "out": "data"}]})";
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "linear", "out": 8}])" + tail),
            "--model m.json: encoder[0] (linear): needs a flat input; its input is (1, 28, 28) (add a flatten before it)");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "conv2d", "out": 4, "kernel": 3}])" + tail),
            "--model m.json: encoder: ends at (4, 26, 26), but the μ and log σ² heads need a flat input; end it with flatten "
            "(and linear layers)");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}], "decoder": [{"type": "linear", "out": 100}]})"),
            "--model m.json: decoder: ends at (100), but the data's examples are (1, 28, 28) (784 values); make its last layer "
            "give that shape");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}], "decoder": [{"type": "linear", "out": 100},
      {"type": "unflatten", "shape": [4, 5, 6]}]})"),
            "--model m.json: decoder[1] (unflatten): shape (4, 5, 6) holds 120 values; its input is (100)");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}], "decoder": [{"type": "conv_transpose2d", "out": 1, "kernel": 3}]})"),
            "--model m.json: decoder[0] (conv_transpose2d): needs an image input (C, H, W); its input is (2) (add an unflatten before it)");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "conv2d", "out": 4, "kernel": 15, "stride": 8}, {"type": "conv2d", "out": 4, "kernel": 9},
      {"type": "flatten"}])" + tail),
            "--model m.json: encoder[1] (conv2d): kernel 9 with padding 0 does not fit; its input is (4, 2, 2)");
  EXPECT_EQ(refusal(R"({"latent": 2, "encoder": [{"type": "flatten"}, {"type": "linear", "out": "hidden"}])" + tail),
            "--model m.json: encoder[1] (linear): \"out\": \"hidden\" needs the spec's \"hidden\" size; add one at the top");
  // A spec for colour data fits colour data and not MNIST.
  const std::string colour = R"({"latent": 2, "encoder": [{"type": "flatten"}], "decoder": [{"type": "linear", "out": 48},
      {"type": "unflatten", "shape": [3, 4, 4]}]})";
  EXPECT_EQ(refusal(colour, {3, 4, 4}), "accepted");
  EXPECT_EQ(refusal(colour), "--model m.json: decoder: ends at (3, 4, 4), but the data's examples are (1, 28, 28) (784 values); "
                             "make its last layer give that shape");
}

TEST(ModelSpec, TheExampleSpecsFitTheDataTheyAreFor) {
  const ModelSpec conv64 = read_spec_file(std::string(VKVAE_MODELS_DIR) + "/examples/conv64-rgb.json", "conv64-rgb.json");
  const Architecture a = plan_architecture(conv64, {3, 64, 64}, 0, "conv64-rgb.json");
  EXPECT_EQ(a.features, 512);
  EXPECT_EQ(a.decoder.back().out, (std::vector<int64_t>{3, 64, 64}));
  EXPECT_THROW(plan_architecture(conv64, kMnistShape, 10, "conv64-rgb.json"), UsageError);
}

}  // namespace
}  // namespace vkvae::models
