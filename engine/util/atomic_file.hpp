// Durable file replacement: readers see the old file or the new one, never a torn mix.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace vkvae {

// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs
// the directory. Throws vkvae::Error naming the path; on failure `path` is untouched.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);

// The whole file. Throws vkvae::Error naming the path when it cannot be read.
std::vector<std::byte> read_file(const std::filesystem::path& path);

}  // namespace vkvae
