#include "io/json_file.hpp"

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::io {

nlohmann::json read_json_file(const std::filesystem::path& path, const std::string& origin) {
  const std::vector<std::byte> bytes = read_file(path, origin);
  const auto* text = reinterpret_cast<const char*>(bytes.data());
  try {
    return nlohmann::json::parse(text, text + bytes.size());
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(origin + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

}  // namespace vkvae::io
