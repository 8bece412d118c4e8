#include "cli_text.hpp"

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

// `text` broken at spaces into lines of at most `width` characters (a longer word stands alone).
std::string wrap(const std::string& text, std::size_t width) {
  std::string out, line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    // Characters, not bytes: UTF-8 continuation bytes take no column.
    const auto columns = [](const std::string& s) {
      return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    };
    if (!line.empty() && columns(line) + 1 + columns(word) > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  return out + line;
}

// Each paragraph (line) of `text` wrapped to kColumns.
std::string wrap_paragraphs(const std::string& text, std::size_t width) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += wrap(text.substr(start, end - start), width) + (end < text.size() ? "\n" : "");
    start = end + 1;
  }
  return out;
}

}  // namespace

HelpFormatter::HelpFormatter(std::size_t name_width) { column_width(name_width); }

std::string HelpFormatter::make_option_opts(const CLI::Option* option) const {
  if (option->get_type_size() == 0) return "";  // a flag
  const std::string type = option->get_type_name();
  return " " + type.substr(0, type.find(':'));
}

std::string HelpFormatter::make_option_desc(const CLI::Option* option) const {
  std::string text = option->get_description();
  if (!option->get_default_str().empty()) text += " (default: " + option->get_default_str() + ")";
  if (option->get_required() && !option->get_positional()) text += " (required)";
  return wrap(text, kColumns - get_column_width());
}

std::string HelpFormatter::make_description(const CLI::App* app) const { return wrap_paragraphs(app->get_description(), kColumns) + "\n"; }

std::string HelpFormatter::make_footer(const CLI::App* app) const {
  return app->get_footer().empty() ? std::string() : wrap_paragraphs(app->get_footer(), kColumns) + "\n";
}

void use_help_formatter(CLI::App& app, std::size_t name_width) { app.formatter(std::make_shared<HelpFormatter>(name_width)); }

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
