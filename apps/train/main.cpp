// vkvae-train: the command-line front of vkvae. Parses options, calls the engine, prints.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "application_commands.hpp"
#include "commands.hpp"
#include "device_list.hpp"
#include "mpi/mpi_peers.hpp"
#include "progress.hpp"
#include "stop_signals.hpp"
#include "cli_text.hpp"
#include "train_flags.hpp"
#include "train/run.hpp"
#include "util/error.hpp"
#include "ops/kernel_profile.hpp"
#include "vk/context.hpp"
#include "vk/device_info.hpp"
#include "vk/instance.hpp"
#include "vk/pipeline_cache.hpp"

namespace {

namespace fs = std::filesystem;

struct Options {
  bool list_devices = false;
  std::string device, devices;
  std::string cache_dir;
  double gpu_timeout = 60.0;
  vkvae::app::TrainFlags train;
};

int list_devices(const Options& options) {
  vkvae::vk::InstanceOptions instance_options;
  instance_options.validation = vkvae::vk::validation_requested_by_environment();
  vkvae::vk::Instance instance(instance_options);
  const auto devices = vkvae::vk::enumerate_devices(instance.handle());
  // Throws (exit 2) when there is none, or when --device names nothing.
  const auto& chosen = vkvae::vk::select_device(devices, options.device);
  const auto forced = vkvae::ops::kernels_from_environment();
  for (const auto& device : devices) {
    std::string line = vkvae::vk::describe_device(device) + " | kernels: " +
                       std::string(vkvae::ops::kernel_kind_name(vkvae::ops::kernel_profile(device, forced).kind));
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

// Errors of a run over several ranks name the rank they happened on.
std::string error_prefix = "vkvae-train: ";

int run(Options& options, const std::function<int(vkvae::vk::Context&)>& command, int& argc, char**& argv) {
  if (options.list_devices) return list_devices(options);
  vkvae::vk::ContextOptions context_options;
  context_options.device = options.device;
  context_options.cache_dir = resolve_cache_dir(options);
  context_options.timeout = std::chrono::milliseconds(static_cast<int64_t>(options.gpu_timeout * 1000.0));
  if (command) {
    vkvae::vk::Context context(context_options);
    return command(context);
  }
  vkvae::train::RunRequest request = vkvae::app::make_request(options.train);
  // Started by mpirun as one of several ranks: each on its own device (its place among the ranks
  // on its machine, round the usable devices, unless --device or --devices says), waits on the
  // others bounded by --gpu-timeout (a step's exchange) and by ten times that, at least ten
  // minutes (rank 0's next order: it writes files in between, and tells the others to keep
  // waiting after each of an evaluation's submits).
  std::unique_ptr<vkvae::mpi::MpiPeers> peers;
  if (vkvae::mpi::launched_as_ranks()) {
    const auto exchange = context_options.timeout;
    peers = std::make_unique<vkvae::mpi::MpiPeers>(argc, argv, exchange, std::max(10 * exchange, std::chrono::milliseconds(600'000)));
    error_prefix = "vkvae-train: rank " + std::to_string(peers->rank()) + ": ";
    request.peers = peers.get();
    if (options.device.empty() && options.devices.empty()) {
      const std::vector<std::string> usable = vkvae::app::device_selectors("all");
      context_options.device = usable[static_cast<std::size_t>(peers->local_rank()) % usable.size()];
    }
  }
  // Data-parallel: the run's context on the first device named, a replica's on each other.
  std::vector<std::unique_ptr<vkvae::vk::Context>> more_devices;
  if (!options.devices.empty()) {
    if (!options.device.empty()) throw vkvae::UsageError("--device and --devices: give one of them (--devices 0,1 names every device)");
    const std::vector<std::string> selectors = vkvae::app::device_selectors(options.devices);
    context_options.device = selectors.front();
    context_options.device_flag = "--devices";
    for (std::size_t i = 1; i < selectors.size(); ++i) {
      vkvae::vk::ContextOptions replica_options = context_options;
      replica_options.device = selectors[i];
      more_devices.push_back(std::make_unique<vkvae::vk::Context>(replica_options));
      request.more_devices.push_back(more_devices.back().get());
    }
  }
  vkvae::vk::Context context(context_options);
  if (peers && peers->rank() != 0) {
    vkvae::train::follow_training(context, *peers, request.more_devices);
    return 0;
  }

  auto reporter = vkvae::app::make_reporter(stderr);
  const vkvae::train::RunResult result = vkvae::train::run_training(context, request, *reporter, vkvae::app::stop_requested());
  const std::string dir = result.dir.string();
  if (result.interrupted) {
    std::fprintf(stderr, "interrupted at step %lld; checkpoint written to %s/checkpoints/last.safetensors; continue with: vkvae-train --resume %s\n",
                 static_cast<long long>(result.step), dir.c_str(), dir.c_str());
    return vkvae::app::stop_exit_code();
  }
  std::fprintf(stderr, "done: %lld steps", static_cast<long long>(result.step));
  if (result.test_loss) std::fprintf(stderr, ", test loss %.2f nats per example", *result.test_loss);
  std::fprintf(stderr, "\nrun directory: %s (config.json, metrics.csv, metrics.jsonl, checkpoints/, samples/, recon/)\n", dir.c_str());
  return 0;
}

// A command on a trained model takes everything from its checkpoint: a training option given with
// it would be silently ignored, so it is refused.
void refuse_training_options(const CLI::App& app) {
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group() == vkvae::app::kTrainingGroup && option->count() > 0) {
      const std::string name = app.get_subcommands().at(0)->get_name();
      throw vkvae::UsageError(option->get_name() + ": a training option; " + name + " takes the model and its options from the checkpoint");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vkvae-train: train variational autoencoders on any Vulkan GPU (lavapipe on CPU)."};
  vkvae::app::use_help_formatter(app, 30);
  // A flag given twice takes its last value, as a later flag overrides an earlier one.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", "vkvae-train " VKVAE_VERSION);
  // --device and --cache-dir may come after a command's name too (`evaluate CKPT --device 0`).
  app.fallthrough();
  Options options;
  app.add_flag("--list-devices", options.list_devices,
               "Print every Vulkan device, one per line (index, name, type, vendor, Vulkan "
               "version, driver, memory, subgroup size, features) and exit");
  app.add_option("--device", options.device,
                 "Device to use: an index from --list-devices or a unique part of its name "
                 "(default: the best; discrete > integrated > virtual > CPU)")
      ->type_name("N|NAME");
  app.add_option("--devices", options.devices,
                 "Train data-parallel on these devices, a replica on each: indexes or names from --list-devices, separated "
                 "by commas (one device may be named twice), or all. The batch is computed in --shards shards (default: one a "
                 "device), the same bits on any device count that divides them")
      ->type_name("LIST");
  app.add_option("--gpu-timeout", options.gpu_timeout,
                 "Seconds any wait for the device may take before the run ends with an error naming the wait (a hung or "
                 "far too slow device)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 86400.0))
      ->type_name("SECONDS");
  app.add_option("--cache-dir", options.cache_dir,
                 "Directory for the persistent Vulkan pipeline cache (default: "
                 "$XDG_CACHE_HOME/vkvae or ~/.cache/vkvae)")
      ->type_name("DIR");
  vkvae::app::add_training_options(app, options.train);
  vkvae::app::CommandOptions command_options;
  std::function<int(vkvae::vk::Context&)> command;
  vkvae::app::add_model_commands(app, command_options, command);
  vkvae::app::add_application_commands(app, command_options, command);
  app.footer(
      "A run leaves RUN_DIR/config.json, metrics.csv and metrics.jsonl (a record per epoch), "
      "checkpoints/last.safetensors and best.safetensors, samples/epoch_NNN.png and recon/epoch_NNN.png. "
      "Ctrl-C writes a checkpoint and stops; --resume continues.\n"
      "Commands on a trained model (vkvae-train COMMAND CHECKPOINT …, see COMMAND --help): evaluate, sample, "
      "interpolate, anomaly, encode, decode, denoise, inpaint, augment.\n"
      "Environment: VKVAE_VALIDATION=1 enables the Khronos validation layer; VK_DRIVER_FILES "
      "picks Vulkan drivers (e.g. /usr/share/vulkan/icd.d/lvp_icd.x86_64.json for lavapipe).");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vkvae-train: error: %s\n", vkvae::app::parse_error_line(app, e, "vkvae-train").c_str());
    return 2;
  }

  try {
    if (command) refuse_training_options(app);
    if (command && !options.devices.empty()) {
      throw vkvae::UsageError("--devices: data-parallel training only; a command on a trained model runs on one --device");
    }
    // Training: from before its set-up (data, pipelines), so that a signal then still ends the
    // run with a checkpoint. The commands on a trained model keep the default: they write at
    // most one file at their end, atomically.
    if (!command && !options.list_devices) vkvae::app::catch_stop_signals();
    return run(options, command, argc, argv);
  } catch (const vkvae::Error& e) {
    std::fprintf(stderr, "%serror: %s\n", error_prefix.c_str(), e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%sinternal error: %s; please report it\n", error_prefix.c_str(), e.what());
    return 1;
  }
}
