// vkvae-train: the command-line front of vkvae. Parses options, calls the engine, prints.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "data/mnist_files.hpp"
#include "util/error.hpp"
#include "vk/context.hpp"
#include "vk/device_info.hpp"
#include "vk/instance.hpp"
#include "vk/pipeline_cache.hpp"

namespace {

struct Options {
  bool list_devices = false;
  std::string device;
  std::string cache_dir;
  std::string data = "data/mnist";
};

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

std::filesystem::path resolve_cache_dir(const Options& options) {
  if (!options.cache_dir.empty()) {
    vkvae::vk::prepare_cache_dir(options.cache_dir, "--cache-dir");
    return options.cache_dir;
  }
  // The default location is a convenience: when it is unusable, run without a persistent cache.
  std::filesystem::path dir = vkvae::vk::default_cache_dir();
  if (dir.empty()) return dir;
  try {
    vkvae::vk::prepare_cache_dir(dir, "cache directory");
  } catch (const vkvae::Error& e) {
    std::fprintf(stderr, "vkvae-train: warning: %s; continuing without a pipeline cache\n", e.what());
    return {};
  }
  return dir;
}

int run(const Options& options) {
  if (options.list_devices) return list_devices(options);

  vkvae::vk::ContextOptions context_options;
  context_options.device = options.device;
  context_options.cache_dir = resolve_cache_dir(options);
  const auto files = vkvae::data::find_mnist_files(options.data);
  vkvae::vk::Context context(context_options);
  std::printf("device: %s\ndata: %s\n", vkvae::vk::describe_device(context.info()).c_str(),
              files.train_images.parent_path().c_str());
  throw vkvae::Error("training is not available in this build yet; --list-devices works");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vkvae-train: train variational autoencoders on any Vulkan GPU (lavapipe on CPU)."};
  app.get_formatter()->column_width(34);
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
  app.add_option("--data", options.data,
                 "Directory of MNIST-layout IDX files, plain or .gz (fetch with "
                 "scripts/fetch-mnist.sh)")
      ->type_name("DIR")
      ->capture_default_str();
  app.footer(
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
    return run(options);
  } catch (const vkvae::Error& e) {
    std::fprintf(stderr, "vkvae-train: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkvae-train: internal error: %s; please report it\n", e.what());
    return 1;
  }
}
