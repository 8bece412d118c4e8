// Small text helpers for messages and listings.
#pragma once

#include <cstdint>
#include <string>

namespace vkvae {

// 1536 → "1.5 KiB"; binary units, one decimal.
std::string format_bytes(std::uint64_t bytes);

}  // namespace vkvae
