// A JSON file (a --config file, a model spec) read whole and parsed.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace vkvae::io {

// Throws UsageError naming `origin` (the flag and path, say) when the file cannot be read or
// is not valid JSON.
nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& origin);

}  // namespace vkvae::io
