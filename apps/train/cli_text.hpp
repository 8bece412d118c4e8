// The command line's text, shared by vkvae-train and vkvae-view: help that fits 100 columns and
// names each value by what it is (N, FILE.png), and parse errors as one helpful line (an unknown
// flag gets the nearest known one suggested: "--modle: unknown option; did you mean --model?").
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace vkvae::app {

// Help as a person reads it: each option's value by its type name alone (validators speak in
// errors, not as "INT:INT in [0 - 1000000]"), a default as "(default: X)" at the end of the
// description, descriptions wrapped to 100 columns.
class HelpFormatter : public CLI::Formatter {
 public:
  static constexpr std::size_t kColumns = 100;
  explicit HelpFormatter(std::size_t name_width);
  std::string make_option_opts(const CLI::Option* option) const override;
  std::string make_option_desc(const CLI::Option* option) const override;
  std::string make_description(const CLI::App* app) const override;
  std::string make_footer(const CLI::App* app) const override;
};

// Installs HelpFormatter on `app` (its commands inherit it).
void use_help_formatter(CLI::App& app, std::size_t name_width);

// The line to print after "PROGRAM: error: " for `error`, thrown by `app.parse`.
std::string parse_error_line(const CLI::App& app, const CLI::ParseError& error, const std::string& program);

}  // namespace vkvae::app
