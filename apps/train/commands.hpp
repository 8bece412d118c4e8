// vkvae-train's commands that use a trained model: evaluate, sample, interpolate, anomaly.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "command_support.hpp"
#include "vk/context.hpp"

namespace vkvae::app {

// Adds the subcommands to `app`; `run` is set to the chosen one's action.
void add_model_commands(CLI::App& app, CommandOptions& options, std::function<int(vk::Context&)>& run);

}  // namespace vkvae::app
