// The built-in model specs' JSON texts, by name: models/*.json, embedded at build time
// (engine/CMakeLists.txt generates the definition). Parsed by models/spec.cpp.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace vkvae::models {

std::vector<std::pair<std::string_view, std::string_view>> builtin_spec_texts();

}  // namespace vkvae::models
