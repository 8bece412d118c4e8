// vkvae-train's applications of a trained model: encode, decode, denoise, inpaint, augment.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "command_support.hpp"
#include "vk/context.hpp"

namespace vkvae::app {

// Adds the subcommands to `app`; `run` is set to the chosen one's action.
void add_application_commands(CLI::App& app, CommandOptions& options, std::function<int(vk::Context&)>& run);

}  // namespace vkvae::app
