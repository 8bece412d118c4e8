// vkvae-train: the command-line front of vkvae. Parses options, calls the engine, prints.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "commands.hpp"
#include "progress.hpp"
#include "train/run.hpp"
#include "util/error.hpp"
#include "vk/context.hpp"
#include "vk/device_info.hpp"
#include "vk/instance.hpp"
#include "vk/pipeline_cache.hpp"

namespace {

namespace fs = std::filesystem;
using vkvae::UsageError;

struct Options {
  bool list_devices = false;
  std::string device;
  std::string cache_dir;
  std::string config;
  std::string out, resume;
  std::optional<int64_t> seed;
  bool profile = false;
  vkvae::train::GivenOptions given;
};

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
  // A second Ctrl-C ends the process at once; the first lets the run write its checkpoint.
  if (g_stop.exchange(true)) std::_Exit(130);
}

int list_devices(const Options& options) {
  vkvae::vk::InstanceOptions instance_options;
  instance_options.validation = vkvae::vk::validation_requested_by_environment();
  vkvae::vk::Instance instance(instance_options);
  const auto devices = vkvae::vk::enumerate_devices(instance.handle());
  // Throws (exit 2) when there is none, or when --device names nothing.
  const auto& chosen = vkvae::vk::select_device(devices, options.device);
  for (const auto& device : devices) {
    std::string line = vkvae::vk::describe_device(device);
    if (device.index == chosen.index) line += options.device.empty() ? " (default)" : " (selected)";
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

fs::path resolve_cache_dir(const Options& options) {
  if (!options.cache_dir.empty()) {
    vkvae::vk::prepare_cache_dir(options.cache_dir, "--cache-dir");
    return options.cache_dir;
  }
  // The default location is a convenience: when it is unusable, run without a persistent cache.
  fs::path dir = vkvae::vk::default_cache_dir();
  if (dir.empty()) return dir;
  try {
    vkvae::vk::prepare_cache_dir(dir, "cache directory");
  } catch (const vkvae::Error& e) {
    std::fprintf(stderr, "vkvae-train: warning: %s; continuing without a pipeline cache\n", e.what());
    return {};
  }
  return dir;
}

// runs/<model>-<local date and time>
fs::path default_run_dir(const std::string& model) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return fs::path("runs") / (model + "-" + stamp);
}

vkvae::train::RunRequest make_request(Options& options) {
  vkvae::train::RunRequest request;
  vkvae::train::GivenOptions& given = options.given;
  if (options.seed) {
    if (*options.seed < 0) throw UsageError("--seed " + std::to_string(*options.seed) + ": must be at least 0");
    given.seed = static_cast<uint64_t>(*options.seed);
  }
  if (!options.resume.empty()) {
    // A resumed run trains with its own options; only how long, where the data is and how
    // often to checkpoint may change.
    vkvae::train::GivenOptions rest = given;
    request.epochs = rest.epochs, request.max_steps = rest.max_steps, request.checkpoint_every = rest.checkpoint_every;
    if (rest.data) request.data = *rest.data;
    rest.epochs.reset(), rest.max_steps.reset(), rest.checkpoint_every.reset(), rest.data.reset();
    if (!options.out.empty() || !options.config.empty() || rest.model || rest.loss || rest.optimizer || rest.binarize || rest.latent ||
        rest.hidden || rest.batch || rest.kl_warmup || rest.recon_only_epochs || rest.beta || rest.lr || rest.weight_decay || rest.seed ||
        rest.init) {
      throw UsageError("--resume " + options.resume + ": a resumed run keeps its own options; only --epochs, --max-steps, "
                       "--checkpoint-every, --data, --device and --cache-dir may be given with it");
    }
    request.resume = options.resume;
    request.profile = options.profile;
    return request;
  }
  vkvae::train::GivenOptions merged;
  if (!options.config.empty()) merged = vkvae::train::read_config_file(options.config);
  merged.merge(given);
  request.options = vkvae::train::resolve(merged);
  request.profile = options.profile;
  request.out = options.out.empty() ? default_run_dir(std::string(vkvae::models::model_name(request.options.model))) : fs::path(options.out);
  return request;
}

int run(Options& options, const std::function<int(vkvae::vk::Context&)>& command) {
  if (options.list_devices) return list_devices(options);
  vkvae::vk::ContextOptions context_options;
  context_options.device = options.device;
  context_options.cache_dir = resolve_cache_dir(options);
  if (command) {
    vkvae::vk::Context context(context_options);
    return command(context);
  }
  const vkvae::train::RunRequest request = make_request(options);
  vkvae::vk::Context context(context_options);

  auto reporter = vkvae::app::make_reporter(stderr);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const vkvae::train::RunResult result = vkvae::train::run_training(context, request, *reporter, g_stop);
  const std::string dir = result.dir.string();
  if (result.interrupted) {
    std::fprintf(stderr, "interrupted at step %lld; checkpoint written to %s/checkpoints/last.safetensors; continue with: vkvae-train --resume %s\n",
                 static_cast<long long>(result.step), dir.c_str(), dir.c_str());
    return 130;
  }
  std::fprintf(stderr, "done: %lld steps", static_cast<long long>(result.step));
  if (result.test_loss) std::fprintf(stderr, ", test loss %.2f nats per example", *result.test_loss);
  std::fprintf(stderr, "\nrun directory: %s (config.json, metrics.csv, metrics.jsonl, checkpoints/, samples/, recon/)\n", dir.c_str());
  return 0;
}

void add_training_options(CLI::App& app, Options& o) {
  vkvae::train::GivenOptions& g = o.given;
  app.add_option("--model", g.model, "mlp, conv, cmlp, cconv or mlp2 (default: conv)")->type_name("NAME");
  app.add_option("--latent", g.latent, "Latent dimensions (recipe: mlp 20, conv 16, mlp2 2)")->type_name("N");
  app.add_option("--hidden", g.hidden, "Hidden units (recipe: mlp 400, conv 256, mlp2 512)")->type_name("N");
  app.add_option("--beta", g.beta, "KL weight β (β-VAE; default 1)")->type_name("B");
  app.add_option("--loss", g.loss, "Reconstruction loss: bce or mse (recipe: bce; mlp2 mse)")->type_name("bce|mse");
  app.add_option("--kl-warmup", g.kl_warmup, "Epochs over which the KL weight ramps from 0 to β (0: none)")->type_name("EPOCHS");
  app.add_option("--recon-only-epochs", g.recon_only_epochs, "First train this many epochs on reconstruction alone")->type_name("N");
  app.add_option("--optimizer", g.optimizer, "adam, adamw or sgd (default adam)")->type_name("NAME");
  app.add_option("--lr", g.lr, "Learning rate (recipe: 1e-3; mlp2 1e-4)")->type_name("LR");
  app.add_option("--weight-decay", g.weight_decay, "Weight decay (default 0; adamw 0.01)")->type_name("WD");
  app.add_option("--batch", g.batch, "Batch size (recipe: 128; cmlp 64; mlp2 32)")->type_name("N");
  app.add_option("--epochs", g.epochs, "Epochs (default 10)")->type_name("N");
  app.add_option("--seed", o.seed, "Seed of initialization, shuffling and noise (default 0)")->type_name("N");
  app.add_option("--data", g.data, "Directory of MNIST-layout IDX files, plain or .gz (default: data/mnist, as scripts/fetch-mnist.sh leaves it)")
      ->type_name("DIR");
  app.add_option("--binarize", g.binarize, "none, or dynamic: inputs drawn as Bernoulli(intensity) each time (default none)")
      ->type_name("none|dynamic");
  app.add_option("--max-steps", g.max_steps, "End after N optimizer steps in all, with an evaluation, a metrics record and a checkpoint")
      ->type_name("N");
  app.add_option("--checkpoint-every", g.checkpoint_every, "Also write checkpoints/last.safetensors every N steps")->type_name("N");
  app.add_option("--init", g.init, "Start from these weights (safetensors, e.g. made by PyTorch with scripts/vkvae_torch.py)")
      ->type_name("FILE");
  app.add_option("--out", o.out, "Run directory to create (default: runs/<model>-<date>-<time>)")->type_name("RUN_DIR");
  app.add_option("--resume", o.resume, "Continue the run in RUN_DIR from its last checkpoint, exactly")->type_name("RUN_DIR");
  app.add_flag("--profile", o.profile,
               "First print a profile of one training step: GPU time by op, dispatches, barriers, memory, host and wall "
               "time per step (training is unchanged by it)");
  app.add_option("--config", o.config, "JSON file of options (keys are flag names, as in a run's config.json); flags override it")
      ->type_name("FILE");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vkvae-train: train variational autoencoders on any Vulkan GPU (lavapipe on CPU)."};
  app.get_formatter()->column_width(36);
  // A flag given twice takes its last value, as a later flag overrides an earlier one.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  Options options;
  app.add_flag("--list-devices", options.list_devices,
               "Print every Vulkan device, one per line (index, name, type, vendor, Vulkan "
               "version, driver, memory, subgroup size, features) and exit");
  app.add_option("--device", options.device,
                 "Device to use: an index from --list-devices or a unique part of its name "
                 "(default: the best; discrete > integrated > virtual > CPU)")
      ->type_name("N|NAME");
  app.add_option("--cache-dir", options.cache_dir,
                 "Directory for the persistent Vulkan pipeline cache (default: "
                 "$XDG_CACHE_HOME/vkvae or ~/.cache/vkvae)")
      ->type_name("DIR");
  add_training_options(app, options);
  vkvae::app::CommandOptions command_options;
  std::function<int(vkvae::vk::Context&)> command;
  vkvae::app::add_model_commands(app, command_options, command);
  app.footer(
      "A run leaves RUN_DIR/config.json, metrics.csv and metrics.jsonl (a record per epoch), "
      "checkpoints/last.safetensors and best.safetensors, samples/epoch_NNN.png and recon/epoch_NNN.png. "
      "Ctrl-C writes a checkpoint and stops; --resume continues.\n"
      "Commands on a trained model: vkvae-train evaluate|sample|interpolate|anomaly CHECKPOINT … (see vkvae-train COMMAND --help).\n"
      "Environment: VKVAE_VALIDATION=1 enables the Khronos validation layer; VK_DRIVER_FILES "
      "picks Vulkan drivers (e.g. /usr/share/vulkan/icd.d/lvp_icd.x86_64.json for lavapipe).");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vkvae-train: error: %s; see vkvae-train --help\n", e.what());
    return 2;
  }

  try {
    return run(options, command);
  } catch (const vkvae::Error& e) {
    std::fprintf(stderr, "vkvae-train: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkvae-train: internal error: %s; please report it\n", e.what());
    return 1;
  }
}
