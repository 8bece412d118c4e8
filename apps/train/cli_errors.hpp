// Command-line parse errors as one helpful line, shared by vkvae-train and vkvae-view: an unknown
// flag gets the nearest known one suggested ("--modle: unknown option; did you mean --model?").
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace vkvae::app {

// The line to print after "PROGRAM: error: " for `error`, thrown by `app.parse`.
std::string parse_error_line(const CLI::App& app, const CLI::ParseError& error, const std::string& program);

}  // namespace vkvae::app
