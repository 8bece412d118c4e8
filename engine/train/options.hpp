// What a training run is told: options as given (command line, --config file) and resolved
// against the model's recipe. The resolved options are the run's config.json and travel inside
// every checkpoint, so a resumed run trains exactly as the original would have.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "data/convert.hpp"
#include "data/idx.hpp"
#include "models/vae.hpp"
#include "ops/optimizer.hpp"

namespace vkvae::train {

// Options as a person gave them; unset ones come from the recipe. Keys of --config files and of
// config.json are the flag names without "--" (e.g. "kl-warmup").
struct GivenOptions {
  std::optional<std::string> model, loss, optimizer, binarize, objective;
  std::optional<nlohmann::json> spec;  // a model spec given inline (a config's own), instead of a file
  std::optional<int64_t> k, latent, hidden, batch, shards, epochs, kl_warmup, recon_only_epochs, max_steps, checkpoint_every, log_every;
  std::optional<double> beta, lr, weight_decay;
  std::optional<uint64_t> seed;
  std::optional<std::string> data, init;
  std::optional<std::string> image_size;  // "H" or "HxW"
  std::optional<int64_t> channels;
  // The data's, as a run found it (config.json's "data-shape" and "classes"): not flags.
  std::optional<std::vector<int64_t>> data_shape;
  std::optional<int64_t> classes;
  std::optional<std::vector<std::string>> class_names;

  // Fields set in `over` replace this one's.
  void merge(const GivenOptions& over);
};

// Reads a --config file: a JSON object of option names. Throws UsageError naming the file and
// the key that is unknown or of the wrong type.
GivenOptions read_config_file(const std::filesystem::path& path);

struct TrainOptions {
  std::string model = "conv";  // a built-in model's name or the spec file's path, as given
  models::ModelSpec spec;      // its spec, with --latent and --hidden applied
  int64_t batch = 128, epochs = 10;
  // The batch is computed in this many equal shards, their gradients added in one fixed order
  // (train/step.hpp): the same bits on any number of devices that divides them. 0 until a run
  // starts: one shard a device.
  int64_t shards = 0;
  double beta = 1.0;
  ops::ReconLoss loss = ops::ReconLoss::bce_with_logits;
  models::Objective objective = models::Objective::elbo;
  int64_t k = 1;                  // samples per example of the iwae objective
  int64_t kl_warmup = 0;          // epochs over which the KL weight ramps from 0 to β
  int64_t recon_only_epochs = 0;  // epochs trained on reconstruction alone, before the KL term
  ops::OptimizerKind optimizer = ops::OptimizerKind::adam;
  double lr = 1e-3, weight_decay = 0.0;
  uint64_t seed = 0;
  bool binarize = false;
  int64_t max_steps = 0;          // 0: no limit
  int64_t checkpoint_every = 0;   // steps; 0: at the end of each epoch only
  int64_t log_every = 0;          // steps between rows of metrics_steps.csv; 0: none
  std::filesystem::path data = "data/mnist";
  std::filesystem::path init;     // safetensors weights to start from ("" = random init)
  data::ImageFormat format;       // --channels, --image-size (0: as the data holds it)
  // The data's shape and class count: set when a run starts, kept in config.json, so a
  // checkpoint alone knows what its model takes. MNIST's for configs older than them.
  models::ImageShape image = models::kMnistShape;
  int64_t classes = models::kClasses;
  std::vector<std::string> class_names;  // the image folders' names; empty: classes go by number
  // Class c's name for people: its folder's, else the number.
  std::string class_name(int64_t c) const;

  // The KL weight of epoch `epoch` (0-based): 0 in the reconstruction-only epochs, then a ramp
  // over the warm-up epochs, then β.
  double kl_weight(int64_t epoch) const;
  // The model's graphs for inference: the ELBO's, whatever the objective.
  models::VaeConfig model_config(int64_t dataset_size) const;
  // The training and evaluation graphs: with the run's objective.
  models::VaeConfig training_config(int64_t dataset_size) const;
  int64_t latent() const { return spec.latent; }
  int64_t pixels() const { return image.size(); }  // values per example: C·H·W
  bool conditional() const { return spec.conditional; }
  // "--model NAME": names the spec in errors.
  std::string model_origin() const { return "--model " + model; }
  // A short name for the run directory and for messages: the built-in name or the file's stem.
  std::string model_label() const;
};

// The recipe of a model (the defaults of every option), then `given` on top. Throws UsageError
// naming the flag of the first bad value.
TrainOptions resolve(const GivenOptions& given);
// The checks of resolve, for options changed afterwards (a resumed run's --epochs, --max-steps,
// --checkpoint-every): throws UsageError naming the flag of the first bad value.
void check_options(const TrainOptions& options);

// A new run's model takes its training data's shape and classes: sets them and checks that the
// spec fits (UsageError naming the layer, or saying a conditional model needs labels).
void adopt_data(TrainOptions& options, const data::Dataset& train, const std::string& where);
// Data given to a model trained before (a resumed run, a command's --data or --images) must be
// of its shape, and labelled within its classes when it is conditional. `where` names the data.
void check_data_fits(const TrainOptions& options, const data::Dataset& data, const std::string& where);

nlohmann::json to_json(const TrainOptions& options);
// The options of a config.json (or a checkpoint's config); `source` names it in errors.
TrainOptions options_from_json(const nlohmann::json& json, const std::string& source);

std::string_view loss_name(ops::ReconLoss loss);
std::string_view optimizer_name(ops::OptimizerKind kind);

}  // namespace vkvae::train
