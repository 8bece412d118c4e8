// vkvae-train's commands that use a trained model: evaluate, sample, interpolate, anomaly.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "vk/context.hpp"

namespace vkvae::app {

struct CommandOptions {
  std::string checkpoint, data, out, images, labels, grid;
  int64_t k = 100, limit = 0, count = 64, digit = -1, from = 0, to = 1, steps = 10, nrow = 8, top = 0;
  uint64_t seed = 0;
  bool json = false;
};

// Adds the subcommands to `app`; `run` is set to the chosen one's action.
void add_model_commands(CLI::App& app, CommandOptions& options, std::function<int(vk::Context&)>& run);

}  // namespace vkvae::app
