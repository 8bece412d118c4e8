#include "cli_errors.hpp"

#include <algorithm>
#include <vector>

namespace vkvae::app {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Every long flag of `app` and of its commands, and the commands' names.
void known_names(const CLI::App& app, std::vector<std::string>& names) {
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  for (const CLI::App* command : app.get_subcommands({})) {
    names.push_back(command->get_name());
    known_names(*command, names);
  }
}

}  // namespace

std::string parse_error_line(const CLI::App& app, const CLI::ParseError& error, const std::string& program) {
  const std::vector<std::string> extras = app.remaining();
  const auto unknown = std::find_if(extras.begin(), extras.end(), [](const std::string& a) { return a.rfind("--", 0) == 0; });
  if (dynamic_cast<const CLI::ExtrasError*>(&error) && unknown != extras.end()) {
    const std::string flag = unknown->substr(0, unknown->find('='));
    std::vector<std::string> names;
    known_names(app, names);
    std::string best;
    std::size_t best_distance = 3;  // at most two edits away: a typo, not another word
    for (const std::string& name : names) {
      const std::size_t d = edit_distance(flag, name);
      if (d < best_distance) best = name, best_distance = d;
    }
    return flag + ": unknown option; " + (best.empty() ? "" : "did you mean " + best + "? ") + "see " + program + " --help";
  }
  return std::string(error.what()) + "; see " + program + " --help";
}

}  // namespace vkvae::app
