// Durable file replacement: readers see the old file or the new one, never a torn mix.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace vkvae {

// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs
// the directory. Throws vkvae::Error naming the path; on failure `path` is untouched.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);

// Appends `bytes` to `path` (created if missing) in one write and fsyncs it: a record written
// this way is whole or absent after a crash of the writer. Throws vkvae::Error naming the path.
void append_file_durably(const std::filesystem::path& path, std::span<const std::byte> bytes);

// The whole file. Throws vkvae::Error (exit code 2) naming the file (as `label`, by default its
// path) when it is missing, is a directory or cannot be read.
std::vector<std::byte> read_file(const std::filesystem::path& path, const std::string& label = {});

// A temporary file that write_file_atomically left behind in a process that has died.
bool is_dead_writers_file(const std::filesystem::path& path);

// Removes, in `dir`, the temporary files that write_file_atomically left behind in processes that
// have died (killed mid-write); those of living processes stay. Returns how many went.
int remove_dead_writers_files(const std::filesystem::path& dir);

}  // namespace vkvae
