// A VAE described as data: the JSON model spec of `vkvae-train --model FILE.json` (format in the
// README), parsed strictly, and its layers' shapes derived from the data's (C, H, W). The five
// built-in models are specs too (models/*.json, embedded at build time). A parsed spec writes
// back to the same JSON, which travels inside every checkpoint, so a checkpoint alone rebuilds
// its network.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ops/activation_spec.hpp"

namespace vkvae::models {

// The shape of one example: channels × height × width.
struct ImageShape {
  int64_t channels = 1, height = 28, width = 28;
  int64_t size() const { return channels * height * width; }
  bool operator==(const ImageShape&) const = default;
};

inline constexpr ImageShape kMnistShape{1, 28, 28};

enum class LayerType { linear, conv2d, conv_transpose2d, flatten, unflatten };
// bernoulli: binary cross-entropy with the decoder's logits. gaussian: the squared error of the
// mean sigmoid(output), i.e. −log N(x; mean, σ² = ½) up to a constant.
enum class Likelihood { bernoulli, gaussian };

// A size a spec writes as a word: "hidden" (the spec's hidden size, set by --hidden) or "data"
// (the data's C·H·W for a linear layer, its channel count for a convolution).
enum class SizeWord { none, hidden, data };

struct LayerSpec {
  LayerType type = LayerType::linear;
  int64_t out = 0;  // linear: features; convolutions: channels (when `out_word` is none)
  SizeWord out_word = SizeWord::none;
  int64_t kernel = 0, stride = 1, padding = 0, output_padding = 0;
  ops::ActivationSpec activation;
  std::vector<int64_t> shape;  // unflatten: (C, H, W)
  std::string name;            // the parameters' prefix; empty: "encoder.<i>" / "decoder.<i>"
};

struct ModelSpec {
  std::string description;
  int64_t latent = 16;
  std::optional<int64_t> hidden;  // the size layers name "hidden"
  Likelihood likelihood = Likelihood::bernoulli;
  bool conditional = false;       // the one-hot label joins the encoder's first flat tensor and z
  std::vector<LayerSpec> encoder, decoder;
  std::string mu_name = "fc_mu", logvar_name = "fc_logvar";  // the heads' parameter prefixes
  nlohmann::json defaults = nlohmann::json::object();        // training options' defaults, by flag name
};

// Throws UsageError "<origin>: <where>: <what>" for anything that is not a valid spec: unknown
// keys or types, missing or out-of-range fields, repeated parameter names. Shapes are checked
// by plan_architecture, against the data.
ModelSpec parse_spec(const nlohmann::json& json, const std::string& origin);
nlohmann::json to_json(const ModelSpec& spec);
// Reads and parses a spec file; `origin` ("--model FILE") names it in errors.
ModelSpec read_spec_file(const std::filesystem::path& path, const std::string& origin);

// The built-in models (models/<name>.json): their names, sorted, and their specs.
std::vector<std::string> builtin_model_names();
std::optional<ModelSpec> builtin_spec(std::string_view name);

// One parameterized or reshaping layer with the shapes it sees (per example: (F) or (C, H, W)).
struct LayerPlan {
  const LayerSpec* spec = nullptr;
  std::vector<int64_t> in, out;
  int64_t out_size = 0;           // out / out_word resolved
  std::vector<int64_t> weight;    // empty for flatten and unflatten
  std::string prefix;             // parameter names: prefix + ".weight", ".bias"
  bool label_after = false;       // the one-hot label joins this layer's output
};

struct Architecture {
  ImageShape image;
  int64_t classes = 0;            // the one-hot width (conditional models), else 0
  int64_t latent = 0;
  std::vector<LayerPlan> encoder, decoder;
  int64_t features = 0;           // the encoder's flat output, the heads' input
  bool decoder_ends_flat = false;
};

// Derives every layer's shapes from the data's; throws UsageError "<origin>: decoder[3]
// (conv_transpose2d): …" naming the layer and the shapes where the spec does not fit.
Architecture plan_architecture(const ModelSpec& spec, ImageShape image, int64_t classes, const std::string& origin);

}  // namespace vkvae::models
