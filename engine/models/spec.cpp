#include "models/spec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <set>

#include "io/json_file.hpp"
#include "models/builtin_specs.hpp"
#include "util/error.hpp"

namespace vkvae::models {
namespace {

using nlohmann::json;

// Sizes beyond these would not fit a storage buffer or a u32 index; nobody means them.
constexpr int64_t kMaxFeatures = 1 << 20;
constexpr int64_t kMaxKernel = 15, kMaxStride = 8;

constexpr std::array<std::pair<LayerType, std::string_view>, 5> kTypes = {{
    {LayerType::linear, "linear"}, {LayerType::conv2d, "conv2d"}, {LayerType::conv_transpose2d, "conv_transpose2d"},
    {LayerType::flatten, "flatten"}, {LayerType::unflatten, "unflatten"}}};

constexpr std::array<std::pair<ops::Activation, std::string_view>, 6> kActivations = {{
    {ops::Activation::relu, "relu"}, {ops::Activation::leaky_relu, "leaky_relu"}, {ops::Activation::elu, "elu"},
    {ops::Activation::sigmoid, "sigmoid"}, {ops::Activation::tanh, "tanh"}, {ops::Activation::softplus, "softplus"}}};

std::string_view type_name(LayerType type) {
  for (const auto& [t, name] : kTypes) {
    if (t == type) return name;
  }
  return "?";
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

// Reads one JSON object's fields, refusing unknown keys: every error names `where`.
class Fields {
 public:
  Fields(const json& j, std::string where, const std::string& origin) : j_(j), where_(std::move(where)), origin_(origin) {
    if (!j.is_object()) fail("expected a JSON object, got " + j.dump());
  }

  [[noreturn]] void fail(const std::string& what) const { throw UsageError(origin_ + ": " + where_ + ": " + what); }

  const json* find(const char* key) {
    seen_.insert(key);
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const json& need(const char* key) {
    const json* v = find(key);
    if (!v) fail(std::string("missing \"") + key + "\"");
    return *v;
  }
  int64_t integer(const json& v, const char* key, int64_t min, int64_t max) const {
    if (!v.is_number_integer()) fail(std::string("\"") + key + "\" must be an integer, got " + v.dump());
    const auto n = v.get<int64_t>();
    if (n < min || n > max) fail(std::string("\"") + key + "\" " + std::to_string(n) + ": must be " + std::to_string(min) + "–" + std::to_string(max));
    return n;
  }
  int64_t integer(const char* key, int64_t fallback, int64_t min, int64_t max) {
    const json* v = find(key);
    return v ? integer(*v, key, min, max) : fallback;
  }
  std::string text(const char* key, const std::string& fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) fail(std::string("\"") + key + "\" must be a string, got " + v->dump());
    return v->get<std::string>();
  }
  bool boolean(const char* key, bool fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(std::string("\"") + key + "\" must be true or false, got " + v->dump());
    return v->get<bool>();
  }
  double number(const char* key, double fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) fail(std::string("\"") + key + "\" must be a number, got " + v->dump());
    return v->get<double>();
  }
  // Called last: anything not asked for is a key this object may not have.
  void refuse_others(const std::string& context) const {
    for (const auto& [key, value] : j_.items()) {
      if (!seen_.count(key)) fail("unknown key \"" + key + "\"" + context);
    }
  }

 private:
  const json& j_;
  std::string where_;
  const std::string& origin_;
  std::set<std::string> seen_;
};

void check_name(Fields& f, const std::string& name, const char* key) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid) f.fail(std::string("\"") + key + "\" \"" + name + "\": use letters, digits and _ only");
  if (name == "encoder" || name == "decoder" || name == "optimizer") {
    f.fail(std::string("\"") + key + "\" \"" + name + "\" is reserved; choose another name");
  }
}

ops::ActivationSpec parse_activation(Fields& f) {
  const std::string name = f.text("activation", "");
  ops::ActivationSpec act;
  if (name.empty()) return act;
  const auto it = std::find_if(kActivations.begin(), kActivations.end(), [&](const auto& a) { return a.second == name; });
  if (it == kActivations.end()) f.fail("unknown activation \"" + name + "\"; use relu, leaky_relu, elu, sigmoid, tanh or softplus");
  act.kind = it->first;
  // PyTorch's defaults: LeakyReLU(0.01), ELU(1.0).
  if (act.kind == ops::Activation::leaky_relu) act.param = static_cast<float>(f.number("slope", 0.01));
  if (act.kind == ops::Activation::elu) act.param = static_cast<float>(f.number("alpha", 1.0));
  if ((act.kind == ops::Activation::leaky_relu || act.kind == ops::Activation::elu) && !(act.param > 0.0f && act.param < 1e6f)) {
    f.fail(std::string("\"") + (act.kind == ops::Activation::elu ? "alpha" : "slope") + "\" must be a number > 0");
  }
  return act;
}

LayerSpec parse_layer(const json& j, const std::string& where, const std::string& origin) {
  Fields f(j, where, origin);
  const json& type = f.need("type");
  const auto it = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& t) { return type.is_string() && t.second == type.get<std::string>(); });
  if (it == kTypes.end()) f.fail("unknown type " + type.dump() + "; use linear, conv2d, conv_transpose2d, flatten or unflatten");
  LayerSpec l;
  l.type = it->first;
  const bool convolution = l.type == LayerType::conv2d || l.type == LayerType::conv_transpose2d;
  if (l.type == LayerType::linear || convolution) {
    const json& out = f.need("out");
    if (out == "hidden") l.out_word = SizeWord::hidden;
    else if (out == "data") l.out_word = SizeWord::data;
    else if (out.is_number_integer()) l.out = f.integer(out, "out", 1, kMaxFeatures);
    else f.fail("\"out\" must be a size, \"hidden\" or \"data\", got " + out.dump());
    l.activation = parse_activation(f);
    l.name = f.text("name", "");
    if (f.find("name")) check_name(f, l.name, "name");
  }
  if (convolution) {
    l.kernel = f.integer(f.need("kernel"), "kernel", 1, kMaxKernel);
    l.stride = f.integer("stride", 1, 1, kMaxStride);
    l.padding = f.integer("padding", 0, 0, l.kernel - 1);
    if (l.type == LayerType::conv_transpose2d) {
      l.output_padding = f.integer("output_padding", 0, 0, kMaxStride);
      if (l.output_padding >= l.stride) f.fail("\"output_padding\" " + std::to_string(l.output_padding) + " must be smaller than \"stride\" " + std::to_string(l.stride));
    }
  }
  if (l.type == LayerType::unflatten) {
    const json& shape = f.need("shape");
    if (!shape.is_array() || shape.size() != 3) f.fail("\"shape\" must be [channels, height, width], got " + shape.dump());
    for (const json& d : shape) l.shape.push_back(f.integer(d, "shape", 1, kMaxFeatures));
  }
  f.refuse_others(" for a " + std::string(type_name(l.type)) + " layer");
  return l;
}

std::vector<LayerSpec> parse_layers(Fields& top, const char* part, const std::string& origin) {
  const json& layers = top.need(part);
  if (!layers.is_array()) top.fail(std::string("\"") + part + "\" must be a list of layers");
  std::vector<LayerSpec> out;
  for (std::size_t i = 0; i < layers.size(); ++i) out.push_back(parse_layer(layers[i], std::string(part) + "[" + std::to_string(i) + "]", origin));
  return out;
}

json size_json(const LayerSpec& l) {
  if (l.out_word == SizeWord::hidden) return "hidden";
  if (l.out_word == SizeWord::data) return "data";
  return l.out;
}

// The float as the shortest decimal that reads back as it (0.2, not 0.200000003), for people.
double shortest(float value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::strtod(std::string(text, end).c_str(), nullptr);
}

json layer_json(const LayerSpec& l) {
  json j = {{"type", type_name(l.type)}};
  if (l.type == LayerType::unflatten) j["shape"] = l.shape;
  if (l.type == LayerType::flatten || l.type == LayerType::unflatten) return j;
  j["out"] = size_json(l);
  if (l.type != LayerType::linear) {
    j["kernel"] = l.kernel;
    j["stride"] = l.stride;
    j["padding"] = l.padding;
    if (l.type == LayerType::conv_transpose2d) j["output_padding"] = l.output_padding;
  }
  if (l.activation.kind != ops::Activation::none) {
    const auto it = std::find_if(kActivations.begin(), kActivations.end(), [&](const auto& a) { return a.first == l.activation.kind; });
    j["activation"] = it->second;
    if (l.activation.kind == ops::Activation::leaky_relu) j["slope"] = shortest(l.activation.param);
    if (l.activation.kind == ops::Activation::elu) j["alpha"] = shortest(l.activation.param);
  }
  if (!l.name.empty()) j["name"] = l.name;
  return j;
}

// The layer-by-layer shape walk of one part (encoder or decoder).
class ShapeWalk {
 public:
  ShapeWalk(const ModelSpec& spec, const ImageShape& image, const char* part, const std::string& origin)
      : spec_(spec), image_(image), part_(part), origin_(origin) {}

  std::vector<LayerPlan> walk(const std::vector<LayerSpec>& layers, std::vector<int64_t> shape, bool join_label_at_flatten,
                              int64_t classes) {
    std::vector<LayerPlan> plans;
    bool joined = false;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      LayerPlan p = plan(layers[i], i, shape);
      if (join_label_at_flatten && !joined && p.out.size() == 1) {
        p.label_after = true;
        p.out[0] += classes;
        joined = true;
      }
      shape = p.out;
      plans.push_back(std::move(p));
    }
    return plans;
  }

 private:
  [[noreturn]] void fail(std::size_t i, const LayerSpec& l, const std::string& what) const {
    throw UsageError(origin_ + ": " + part_ + "[" + std::to_string(i) + "] (" + std::string(type_name(l.type)) + "): " + what);
  }

  int64_t out_size(std::size_t i, const LayerSpec& l) const {
    switch (l.out_word) {
      case SizeWord::none: return l.out;
      case SizeWord::hidden:
        if (!spec_.hidden) fail(i, l, "\"out\": \"hidden\" needs the spec's \"hidden\" size; add one at the top");
        return *spec_.hidden;
      case SizeWord::data: return l.type == LayerType::linear ? image_.size() : image_.channels;
    }
    return 0;
  }

  LayerPlan plan(const LayerSpec& l, std::size_t i, const std::vector<int64_t>& in) const {
    LayerPlan p;
    p.spec = &l;
    p.in = in;
    p.prefix = l.name.empty() ? std::string(part_) + "." + std::to_string(i) : l.name;
    const std::string got = "its input is " + shape_text(in);
    switch (l.type) {
      case LayerType::flatten: {
        if (in.size() != 3) fail(i, l, "needs an image input (C, H, W); " + got);
        p.out = {in[0] * in[1] * in[2]};
        return p;
      }
      case LayerType::unflatten: {
        if (in.size() != 1) fail(i, l, "needs a flat input; " + got + " (add a flatten first)");
        const int64_t n = l.shape[0] * l.shape[1] * l.shape[2];
        if (n != in[0]) fail(i, l, "shape " + shape_text(l.shape) + " holds " + std::to_string(n) + " values; " + got);
        p.out = l.shape;
        return p;
      }
      case LayerType::linear: {
        if (in.size() != 1) fail(i, l, "needs a flat input; " + got + " (add a flatten before it)");
        p.out_size = out_size(i, l);
        p.out = {p.out_size};
        p.weight = {p.out_size, in[0]};
        return p;
      }
      case LayerType::conv2d:
      case LayerType::conv_transpose2d: {
        if (in.size() != 3) fail(i, l, "needs an image input (C, H, W); " + got + " (add an unflatten before it)");
        p.out_size = out_size(i, l);
        const bool down = l.type == LayerType::conv2d;
        const auto side = [&](int64_t n) {
          return down ? (n + 2 * l.padding - l.kernel) / l.stride + 1 : (n - 1) * l.stride - 2 * l.padding + l.kernel + l.output_padding;
        };
        if ((down && (in[1] + 2 * l.padding < l.kernel || in[2] + 2 * l.padding < l.kernel)) || side(in[1]) < 1 || side(in[2]) < 1) {
          fail(i, l, "kernel " + std::to_string(l.kernel) + " with padding " + std::to_string(l.padding) + " does not fit; " + got);
        }
        p.out = {p.out_size, side(in[1]), side(in[2])};
        p.weight = down ? std::vector<int64_t>{p.out_size, in[0], l.kernel, l.kernel} : std::vector<int64_t>{in[0], p.out_size, l.kernel, l.kernel};
        return p;
      }
    }
    return p;
  }

  const ModelSpec& spec_;
  const ImageShape& image_;
  const char* part_;
  const std::string& origin_;
};

}  // namespace

ModelSpec parse_spec(const json& j, const std::string& origin) {
  Fields f(j, "the model spec", origin);
  ModelSpec s;
  s.description = f.text("description", "");
  s.latent = f.integer(f.need("latent"), "latent", 1, 4096);
  if (const json* hidden = f.find("hidden")) s.hidden = f.integer(*hidden, "hidden", 1, 16384);
  const std::string likelihood = f.text("likelihood", "bernoulli");
  if (likelihood == "bernoulli") s.likelihood = Likelihood::bernoulli;
  else if (likelihood == "gaussian") s.likelihood = Likelihood::gaussian;
  else f.fail("\"likelihood\" \"" + likelihood + "\": use bernoulli or gaussian");
  s.conditional = f.boolean("conditional", false);
  s.encoder = parse_layers(f, "encoder", origin);
  s.decoder = parse_layers(f, "decoder", origin);
  if (const json* heads = f.find("heads")) {
    Fields h(*heads, "\"heads\"", origin);
    s.mu_name = h.text("mu", s.mu_name);
    s.logvar_name = h.text("logvar", s.logvar_name);
    check_name(h, s.mu_name, "mu");
    check_name(h, s.logvar_name, "logvar");
    h.refuse_others(" (heads has mu and logvar)");
  }
  if (const json* defaults = f.find("defaults")) {
    if (!defaults->is_object()) f.fail("\"defaults\" must be an object of training options (e.g. {\"batch\": 64})");
    s.defaults = *defaults;
  }
  f.refuse_others("; a spec has description, latent, hidden, likelihood, conditional, encoder, heads, decoder and defaults");

  std::set<std::string> names = {s.mu_name};
  if (!names.insert(s.logvar_name).second) f.fail("the heads share the name \"" + s.mu_name + "\"");
  for (const auto* part : {&s.encoder, &s.decoder}) {
    for (std::size_t i = 0; i < part->size(); ++i) {
      const std::string& name = (*part)[i].name;
      if (!name.empty() && !names.insert(name).second) {
        f.fail(std::string(part == &s.encoder ? "encoder" : "decoder") + "[" + std::to_string(i) + "]: the name \"" + name + "\" is used twice");
      }
    }
  }
  return s;
}

json to_json(const ModelSpec& s) {
  json j = json::object();
  if (!s.description.empty()) j["description"] = s.description;
  j["latent"] = s.latent;
  if (s.hidden) j["hidden"] = *s.hidden;
  j["likelihood"] = s.likelihood == Likelihood::bernoulli ? "bernoulli" : "gaussian";
  j["conditional"] = s.conditional;
  if (!s.defaults.empty()) j["defaults"] = s.defaults;
  j["encoder"] = json::array();
  for (const LayerSpec& l : s.encoder) j["encoder"].push_back(layer_json(l));
  j["heads"] = {{"mu", s.mu_name}, {"logvar", s.logvar_name}};
  j["decoder"] = json::array();
  for (const LayerSpec& l : s.decoder) j["decoder"].push_back(layer_json(l));
  return j;
}

ModelSpec read_spec_file(const std::filesystem::path& path, const std::string& origin) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw UsageError(origin + ": no such file; give a built-in model name or a spec file");
  return parse_spec(io::read_json_file(path, origin), origin);
}

std::vector<std::string> builtin_model_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : builtin_spec_texts()) names.emplace_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<ModelSpec> builtin_spec(std::string_view name) {
  for (const auto& [n, text] : builtin_spec_texts()) {
    if (n == name) return parse_spec(json::parse(text), "built-in model " + std::string(name));
  }
  return std::nullopt;
}

Architecture plan_architecture(const ModelSpec& spec, ImageShape image, int64_t classes, const std::string& origin) {
  Architecture a;
  a.image = image;
  a.classes = spec.conditional ? classes : 0;
  a.latent = spec.latent;
  const std::vector<int64_t> data = {image.channels, image.height, image.width};
  a.encoder = ShapeWalk(spec, image, "encoder", origin).walk(spec.encoder, data, spec.conditional, a.classes);
  const std::vector<int64_t>& end = a.encoder.empty() ? data : a.encoder.back().out;
  if (end.size() != 1) {
    throw UsageError(origin + ": encoder: ends at " + shape_text(end) + ", but the μ and log σ² heads need a flat input; end it with flatten (and linear layers)");
  }
  a.features = end[0];
  a.decoder = ShapeWalk(spec, image, "decoder", origin).walk(spec.decoder, {spec.latent + a.classes}, false, 0);
  const std::vector<int64_t> out = a.decoder.empty() ? std::vector<int64_t>{spec.latent + a.classes} : a.decoder.back().out;
  a.decoder_ends_flat = out.size() == 1;
  if (out != data && !(a.decoder_ends_flat && out[0] == image.size())) {
    throw UsageError(origin + ": decoder: ends at " + shape_text(out) + ", but the data's examples are " + shape_text(data) + " (" +
                     std::to_string(image.size()) + " values); make its last layer give that shape");
  }
  return a;
}

}  // namespace vkvae::models
