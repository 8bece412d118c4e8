// A VkPipelineCache persisted per device in a cache directory, so later runs skip shader
// compilation in the driver.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "vk/owned.hpp"

namespace vkvae::vk {

class Device;

// $XDG_CACHE_HOME/vkvae, else $HOME/.cache/vkvae, else "" (no persistent cache).
std::filesystem::path default_cache_dir();

// Creates `dir` if needed and proves it is a writable directory. Throws UsageError naming
// `flag` and `dir` with what to do.
void prepare_cache_dir(const std::filesystem::path& dir, std::string_view flag = "--cache-dir");

class PipelineCache {
 public:
  // `dir` empty: an in-memory cache that is never saved. Otherwise loads the device's cache file
  // from `dir` when it exists and was written by the same device and driver.
  PipelineCache(const Device& device, const std::filesystem::path& dir);
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  VkPipelineCache handle() const { return cache_.get(); }
  // Bytes of valid cache data read from disk at construction (0: cold).
  std::size_t loaded_bytes() const { return loaded_bytes_; }
  // Where save() writes; empty for an in-memory cache.
  const std::filesystem::path& file() const { return file_; }
  // Writes the cache atomically. Throws vkvae::Error naming the file on failure.
  void save() const;

 private:
  const Device& device_;
  std::filesystem::path file_;
  std::size_t loaded_bytes_ = 0;
  OwnedPipelineCache cache_;
};

}  // namespace vkvae::vk
