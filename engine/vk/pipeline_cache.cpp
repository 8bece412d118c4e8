#include "vk/pipeline_cache.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "vk/check.hpp"
#include "vk/device.hpp"

namespace vkvae::vk {
namespace {

// One file per device and driver build: the header's UUID changes with the driver.
std::filesystem::path cache_file(const std::filesystem::path& dir, const DeviceInfo& info) {
  char name[96];
  int at = std::snprintf(name, sizeof name, "pipelines-%04x-", info.vendor_id);
  for (uint8_t byte : info.pipeline_cache_uuid) {
    at += std::snprintf(name + at, sizeof name - static_cast<std::size_t>(at), "%02x", byte);
  }
  std::snprintf(name + at, sizeof name - static_cast<std::size_t>(at), ".bin");
  return dir / name;
}

// Drivers must reject foreign data themselves, but not all do it gracefully; check the
// VkPipelineCacheHeaderVersionOne fields first.
bool header_matches(const std::vector<std::byte>& data, const DeviceInfo& info) {
  VkPipelineCacheHeaderVersionOne header{};
  if (data.size() < sizeof header) return false;
  std::memcpy(&header, data.data(), sizeof header);
  return header.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         header.headerSize >= sizeof header && header.vendorID == info.vendor_id &&
         std::memcmp(header.pipelineCacheUUID, info.pipeline_cache_uuid.data(), VK_UUID_SIZE) == 0;
}

}  // namespace

std::filesystem::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "vkvae";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "vkvae";
  }
  return {};
}

void prepare_cache_dir(const std::filesystem::path& dir, std::string_view flag) {
  const std::string where = std::string(flag) + " " + dir.string();
  std::error_code error;
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error)) {
    throw UsageError(where + ": exists and is not a directory; give a directory path");
  }
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw UsageError(where + ": cannot create the directory (" + error.message() +
                     "); give a writable directory");
  }
  const std::filesystem::path probe = dir / ".vkvae-write-test";
  std::FILE* file = std::fopen(probe.c_str(), "wb");
  if (file == nullptr) {
    throw UsageError(where + ": not writable (" + std::strerror(errno) +
                     "); give a writable directory");
  }
  std::fclose(file);
  std::filesystem::remove(probe, error);
}

PipelineCache::PipelineCache(const Device& device, const std::filesystem::path& dir)
    : device_(device) {
  std::vector<std::byte> data;
  if (!dir.empty()) {
    file_ = cache_file(dir, device.info());
    std::error_code error;
    if (std::filesystem::is_regular_file(file_, error)) {
      data = read_file(file_);
      if (!header_matches(data, device.info())) data.clear();  // stale or foreign: start cold
    }
  }
  VkPipelineCacheCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  info.initialDataSize = data.size();
  info.pInitialData = data.empty() ? nullptr : data.data();
  VkPipelineCache cache = VK_NULL_HANDLE;
  VKVAE_CHECK(vkCreatePipelineCache(device.handle(), &info, nullptr, &cache));
  cache_ = OwnedPipelineCache(device.handle(), cache);
  loaded_bytes_ = data.size();
}

void PipelineCache::save() const {
  if (file_.empty()) return;
  std::size_t size = 0;
  VKVAE_CHECK(vkGetPipelineCacheData(device_.handle(), cache_.get(), &size, nullptr));
  std::vector<std::byte> data(size);
  VKVAE_CHECK(vkGetPipelineCacheData(device_.handle(), cache_.get(), &size, data.data()));
  data.resize(size);
  write_file_atomically(file_, data);
}

}  // namespace vkvae::vk
