#include "train/options.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "io/json_file.hpp"
#include "models/spec.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

using nlohmann::json;

// Every option a config file may set, with its field in each of `o` (GivenOptions): one list
// serves reading and merging.
template <typename F, typename... O>
void for_each_option(F&& f, O&... o) {
  f("model", o.model...);
  f("spec", o.spec...);
  f("latent", o.latent...);
  f("hidden", o.hidden...);
  f("beta", o.beta...);
  f("loss", o.loss...);
  f("objective", o.objective...);
  f("k", o.k...);
  f("kl-warmup", o.kl_warmup...);
  f("recon-only-epochs", o.recon_only_epochs...);
  f("optimizer", o.optimizer...);
  f("lr", o.lr...);
  f("weight-decay", o.weight_decay...);
  f("batch", o.batch...);
  f("shards", o.shards...);
  f("epochs", o.epochs...);
  f("seed", o.seed...);
  f("data", o.data...);
  f("binarize", o.binarize...);
  f("max-steps", o.max_steps...);
  f("checkpoint-every", o.checkpoint_every...);
  f("log-every", o.log_every...);
  f("init", o.init...);
  f("image-size", o.image_size...);
  f("channels", o.channels...);
  f("data-shape", o.data_shape...);
  f("classes", o.classes...);
  f("class-names", o.class_names...);
}

GivenOptions given_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw UsageError(source + ": expected a JSON object of option names and values");
  GivenOptions given;
  std::vector<std::string> known;
  for_each_option([&](const char* key, auto& field) {
    known.emplace_back(key);
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    using T = typename std::remove_reference_t<decltype(field)>::value_type;
    try {
      if constexpr (std::is_integral_v<T>) {
        if (!it->is_number_integer()) throw json::type_error::create(302, "not an integer", nullptr);
      }
      if constexpr (std::is_unsigned_v<T>) {
        if (!it->is_number_unsigned()) throw UsageError(source + ": \"" + key + "\" " + it->dump() + ": must be at least 0");
      }
      field = it->get<T>();
    } catch (const json::exception&) {
      throw UsageError(source + ": \"" + key + "\" has the wrong type (" + it->dump() + "); see vkvae-train --help");
    }
  }, given);
  for (const auto& [key, value] : j.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw UsageError(source + ": unknown option \"" + key + "\"; see vkvae-train --help for the names");
    }
  }
  return given;
}

[[noreturn]] void bad(const std::string& flag, const std::string& value, const std::string& what) {
  throw UsageError(flag + " " + value + ": " + what);
}

void at_least(const char* flag, int64_t value, int64_t min) {
  if (value < min) bad(flag, std::to_string(value), "must be at least " + std::to_string(min));
}

// As JSON writes it, and "nan", "inf" or "-inf" where JSON has no word (it would say null).
std::string number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return json(value).dump();
}

}  // namespace

void GivenOptions::merge(const GivenOptions& over) {
  for_each_option([](const char*, auto& field, const auto& other) {
    if (other) field = other;
  }, *this, over);
}

GivenOptions read_config_file(const std::filesystem::path& path) {
  const std::string source = "--config " + path.string();
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw UsageError(source + ": cannot read it; check the path");
  return given_from_json(io::read_json_file(path, source), source);
}

std::string_view loss_name(ops::ReconLoss loss) { return loss == ops::ReconLoss::bce_with_logits ? "bce" : "mse"; }

std::string_view optimizer_name(ops::OptimizerKind kind) {
  switch (kind) {
    case ops::OptimizerKind::adam: return "adam";
    case ops::OptimizerKind::adamw: return "adamw";
    case ops::OptimizerKind::sgd: return "sgd";
  }
  return "?";
}

double TrainOptions::kl_weight(int64_t epoch) const {
  if (epoch < recon_only_epochs) return 0.0;
  const int64_t since = epoch - recon_only_epochs;
  if (kl_warmup > 0 && since < kl_warmup) return beta * static_cast<double>(since) / static_cast<double>(kl_warmup);
  return beta;
}

models::VaeConfig TrainOptions::model_config(int64_t dataset_size) const {
  models::VaeConfig c;
  c.spec = spec;
  c.origin = model_origin();
  c.batch = batch;
  c.dataset_size = dataset_size;
  c.binarize = binarize;
  c.loss = loss;
  c.image = image;
  c.classes = classes;
  return c;
}

models::VaeConfig TrainOptions::training_config(int64_t dataset_size) const {
  models::VaeConfig c = model_config(dataset_size);
  c.objective = objective;
  c.k = k;
  return c;
}

std::string TrainOptions::class_name(int64_t c) const {
  return c >= 0 && c < static_cast<int64_t>(class_names.size()) ? class_names[static_cast<std::size_t>(c)] : std::to_string(c);
}

std::string TrainOptions::model_label() const {
  if (models::builtin_spec(model)) return model;
  const std::string stem = std::filesystem::path(model).stem().string();
  return stem.empty() ? "model" : stem;
}

namespace {

// The model's spec: the one a config carries (a resumed run's, a checkpoint's), a built-in
// model's, or a spec file's.
models::ModelSpec model_spec(const GivenOptions& given, const std::string& model) {
  const std::string origin = "--model " + model;
  if (given.spec) return models::parse_spec(*given.spec, origin);
  if (auto builtin = models::builtin_spec(model)) return *builtin;
  std::error_code error;
  if (model.ends_with(".json") || std::filesystem::exists(model, error)) return models::read_spec_file(model, origin);
  std::string names;
  for (const std::string& name : models::builtin_model_names()) names += (names.empty() ? "" : ", ") + name;
  bad("--model", model, "unknown model; use " + names + " or a spec file FILE.json");
}

// A spec's "defaults": training options only (the model's own sizes are the spec's fields).
GivenOptions spec_defaults(const models::ModelSpec& spec, const std::string& origin) {
  for (const char* key : {"model", "spec", "latent", "hidden", "data", "init", "loss"}) {
    if (spec.defaults.contains(key)) {
      throw UsageError(origin + ": \"defaults\" may not set \"" + std::string(key) + "\"; it holds training options such as batch and lr");
    }
  }
  return given_from_json(spec.defaults, origin + ": \"defaults\"");
}

// "64" or "64x48" (height × width).
void parse_image_size(const std::string& text, data::ImageFormat& format) {
  const std::size_t x = text.find('x');
  try {
    std::size_t used = 0;
    format.height = std::stoll(text.substr(0, x), &used);
    if (used != (x == std::string::npos ? text.size() : x)) throw std::invalid_argument(text);
    format.width = format.height;
    if (x != std::string::npos) {
      format.width = std::stoll(text.substr(x + 1), &used);
      if (used != text.size() - x - 1) throw std::invalid_argument(text);
    }
  } catch (const std::logic_error&) {
    bad("--image-size", text, "give H or HxW in pixels, e.g. 64 or 64x48");
  }
  if (format.height < 1 || format.width < 1 || format.height > 4096 || format.width > 4096) {
    bad("--image-size", text, "each side must be 1–4096 pixels");
  }
}

}  // namespace

TrainOptions resolve(const GivenOptions& given_options) {
  TrainOptions o;
  o.model = given_options.model.value_or(o.model);
  o.spec = model_spec(given_options, o.model);
  // The recipe: vkvae's defaults, then the spec's, then what was given.
  GivenOptions given = spec_defaults(o.spec, o.model_origin());
  given.merge(given_options);
  o.loss = o.spec.likelihood == models::Likelihood::gaussian ? ops::ReconLoss::squared_error : ops::ReconLoss::bce_with_logits;
  if (given.loss) {
    if (*given.loss == "bce") o.loss = ops::ReconLoss::bce_with_logits;
    else if (*given.loss == "mse") o.loss = ops::ReconLoss::squared_error;
    else bad("--loss", *given.loss, "unknown loss; use bce or mse");
  }
  if (given.objective) {
    if (*given.objective == "elbo") o.objective = models::Objective::elbo;
    else if (*given.objective == "iwae") o.objective = models::Objective::iwae, o.k = 5;
    else bad("--objective", *given.objective, "use elbo or iwae");
  }
  o.k = given.k.value_or(o.k);
  if (given.optimizer) {
    if (*given.optimizer == "adam") o.optimizer = ops::OptimizerKind::adam;
    else if (*given.optimizer == "adamw") o.optimizer = ops::OptimizerKind::adamw, o.weight_decay = 0.01;  // PyTorch's AdamW default
    else if (*given.optimizer == "sgd") o.optimizer = ops::OptimizerKind::sgd;
    else bad("--optimizer", *given.optimizer, "unknown optimizer; use adam, adamw or sgd");
  }
  if (given.binarize) {
    if (*given.binarize == "none") o.binarize = false;
    else if (*given.binarize == "dynamic") o.binarize = true;
    else bad("--binarize", *given.binarize, "use none or dynamic");
  }
  o.spec.latent = given.latent.value_or(o.spec.latent);
  if (given.hidden) {
    if (!o.spec.hidden) bad("--hidden", std::to_string(*given.hidden), "the model " + o.model + " has no \"hidden\" size to set; change its layers in the spec");
    o.spec.hidden = *given.hidden;
  }
  o.batch = given.batch.value_or(o.batch);
  o.shards = given.shards.value_or(o.shards);
  o.epochs = given.epochs.value_or(o.epochs);
  o.kl_warmup = given.kl_warmup.value_or(o.kl_warmup);
  o.recon_only_epochs = given.recon_only_epochs.value_or(o.recon_only_epochs);
  o.max_steps = given.max_steps.value_or(o.max_steps);
  o.checkpoint_every = given.checkpoint_every.value_or(o.checkpoint_every);
  o.log_every = given.log_every.value_or(o.log_every);
  o.beta = given.beta.value_or(o.beta);
  o.lr = given.lr.value_or(o.lr);
  o.weight_decay = given.weight_decay.value_or(o.weight_decay);
  o.seed = given.seed.value_or(o.seed);
  if (given.data) o.data = *given.data;
  if (given.init) o.init = *given.init;
  if (given.image_size) parse_image_size(*given.image_size, o.format);
  if (given.channels) o.format.channels = *given.channels;
  if (given.data_shape) {
    const std::vector<int64_t>& d = *given.data_shape;
    if (d.size() != 3 || d[0] < 1 || d[1] < 1 || d[2] < 1) bad("data-shape", json(d).dump(), "must be [channels, height, width]");
    o.image = {d[0], d[1], d[2]};
  }
  if (given.classes) o.classes = *given.classes;
  if (given.class_names) {
    if (static_cast<int64_t>(given.class_names->size()) != o.classes) {
      bad("class-names", json(*given.class_names).dump(), "must name every one of the " + std::to_string(o.classes) + " classes");
    }
    o.class_names = *given.class_names;
  }

  check_options(o);
  return o;
}

void check_options(const TrainOptions& o) {
  at_least("--latent", o.spec.latent, 1);
  if (o.spec.hidden) at_least("--hidden", *o.spec.hidden, 1);
  at_least("--batch", o.batch, 1);
  at_least("--epochs", o.epochs, 1);
  at_least("--kl-warmup", o.kl_warmup, 0);
  at_least("--recon-only-epochs", o.recon_only_epochs, 0);
  at_least("--max-steps", o.max_steps, 0);
  at_least("--checkpoint-every", o.checkpoint_every, 0);
  at_least("--log-every", o.log_every, 0);
  // Sizes beyond these would not fit a storage buffer or a u32 index; nobody means them.
  if (o.spec.latent > 4096) bad("--latent", std::to_string(o.spec.latent), "must be at most 4096");
  if (o.spec.hidden && *o.spec.hidden > 16384) bad("--hidden", std::to_string(*o.spec.hidden), "must be at most 16384");
  if (o.batch > 65536) bad("--batch", std::to_string(o.batch), "must be at most 65536");
  at_least("--shards", o.shards, 0);
  if (o.shards > 256) bad("--shards", std::to_string(o.shards), "must be at most 256");
  if (o.shards > 0 && o.batch % o.shards != 0) {
    bad("--shards", std::to_string(o.shards), "the batch of " + std::to_string(o.batch) + " does not split into equal shards; use a batch that is a multiple of the shards");
  }
  if (o.format.channels != 0 && o.format.channels != 1 && o.format.channels != 3) {
    bad("--channels", std::to_string(o.format.channels), "use 1 (grey) or 3 (RGB)");
  }
  at_least("classes", o.classes, 0);
  at_least("--k", o.k, 1);
  if (o.k > 1000) bad("--k", std::to_string(o.k), "must be at most 1000 (the samples of a step are batch × K rows)");
  if (o.objective == models::Objective::elbo && o.k != 1) bad("--k", std::to_string(o.k), "needs --objective iwae (the ELBO takes one sample)");
  if (o.objective == models::Objective::iwae) {
    // β and the KL schedule weigh the ELBO's KL term; the bound has none to weigh.
    if (o.beta != 1.0) bad("--beta", number(o.beta), "applies to the ELBO; --objective iwae trains the bound itself");
    if (o.kl_warmup != 0) bad("--kl-warmup", std::to_string(o.kl_warmup), "applies to the ELBO; --objective iwae trains the bound itself");
    if (o.recon_only_epochs != 0) {
      bad("--recon-only-epochs", std::to_string(o.recon_only_epochs), "applies to the ELBO; --objective iwae trains the bound itself");
    }
    if (o.loss != ops::ReconLoss::bce_with_logits) bad("--objective", "iwae", "needs the Bernoulli likelihood (--loss bce)");
  }
  if (!(o.beta >= 0.0) || !std::isfinite(o.beta)) bad("--beta", number(o.beta), "must be a finite number ≥ 0");
  if (!(o.lr > 0.0) || !std::isfinite(o.lr)) bad("--lr", number(o.lr), "must be a finite number > 0");
  if (!(o.weight_decay >= 0.0) || !std::isfinite(o.weight_decay)) bad("--weight-decay", number(o.weight_decay), "must be a finite number ≥ 0");
}

namespace {

std::string shape_text(const models::ImageShape& s) { return data::describe_shape(s.height, s.width, s.channels); }

models::ImageShape shape_of(const data::Images& images) { return {images.channels, images.rows, images.cols}; }

}  // namespace

void adopt_data(TrainOptions& o, const data::Dataset& train, const std::string& where) {
  o.image = shape_of(train.images);
  o.classes = train.classes;
  o.class_names = train.class_names;
  if (o.conditional() && !train.labeled()) {
    throw UsageError(o.model_origin() + " is conditional: it needs labelled data, and " + where + " has no labels; use an unconditional model");
  }
  models::plan_architecture(o.spec, o.image, o.classes, o.model_origin());
}

void check_data_fits(const TrainOptions& o, const data::Dataset& data, const std::string& where) {
  if (!(shape_of(data.images) == o.image)) {
    throw UsageError(where + ": its images are " + shape_text(shape_of(data.images)) + "; this model takes " + shape_text(o.image) +
                     " (the data it was trained on)");
  }
  if (!o.conditional()) return;
  if (!data.labeled()) throw UsageError(where + ": has no labels; this model is conditional and needs them");
  for (std::size_t i = 0; i < data.labels.size(); ++i) {
    if (data.labels[i] >= o.classes) {
      throw UsageError(where + ": image " + std::to_string(i) + " has label " + std::to_string(data.labels[i]) + "; this model knows classes 0–" +
                       std::to_string(o.classes - 1));
    }
  }
}

json to_json(const TrainOptions& o) {
  json j = {
      {"model", o.model},
      {"latent", o.spec.latent},
      {"beta", o.beta},
      {"loss", loss_name(o.loss)},
      {"objective", o.objective == models::Objective::iwae ? "iwae" : "elbo"},
      {"k", o.k},
      {"kl-warmup", o.kl_warmup},
      {"recon-only-epochs", o.recon_only_epochs},
      {"optimizer", optimizer_name(o.optimizer)},
      {"lr", o.lr},
      {"weight-decay", o.weight_decay},
      {"batch", o.batch},
      {"shards", o.shards},
      {"epochs", o.epochs},
      {"seed", o.seed},
      {"data", o.data.string()},
      {"binarize", o.binarize ? "dynamic" : "none"},
      {"max-steps", o.max_steps},
      {"checkpoint-every", o.checkpoint_every},
      {"log-every", o.log_every},
      {"init", o.init.string()},
      {"spec", models::to_json(o.spec)},
      {"data-shape", {o.image.channels, o.image.height, o.image.width}},
      {"classes", o.classes},
  };
  if (!o.class_names.empty()) j["class-names"] = o.class_names;
  if (o.format.height > 0) j["image-size"] = std::to_string(o.format.height) + "x" + std::to_string(o.format.width);
  if (o.format.channels > 0) j["channels"] = o.format.channels;
  if (o.spec.hidden) j["hidden"] = *o.spec.hidden;
  return j;
}

TrainOptions options_from_json(const json& j, const std::string& source) {
  GivenOptions given = given_from_json(j, source);
  if (given.init && given.init->empty()) given.init.reset();
  return resolve(given);
}

}  // namespace vkvae::train
