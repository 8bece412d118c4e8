// The SPIR-V of every shaders/*.comp, compiled and embedded at build time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace vkvae::shaders {

// The SPIR-V words of shaders/<name>.comp. Throws std::invalid_argument for an unknown name.
std::span<const std::uint32_t> spirv(std::string_view name);

// Every embedded shader's name, sorted.
std::vector<std::string_view> names();

}  // namespace vkvae::shaders
