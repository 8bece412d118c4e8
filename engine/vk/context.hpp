// Everything a vkvae program needs from Vulkan, created in order and destroyed in reverse:
// instance → device → memory pool → pipeline cache. Objects made from a Context (buffers,
// pipelines, command buffers) must be destroyed before it.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vk/buffer.hpp"
#include "vk/commands.hpp"
#include "vk/device.hpp"
#include "vk/device_info.hpp"
#include "vk/instance.hpp"
#include "vk/memory.hpp"
#include "vk/pipeline.hpp"
#include "vk/pipeline_cache.hpp"
#include "vk/sync.hpp"

namespace vkvae::vk {

struct ContextOptions {
  std::string device;           // selector for select_device: "" = the best usable device
  std::string device_flag = "--device";  // named in selection errors
  bool validation = validation_requested_by_environment();
  bool synchronization_validation = false;
  bool print_validation = true;
  // Throw from submit_and_wait (and check_validation) once the layer reported an error.
  bool fatal_validation = false;
  std::filesystem::path cache_dir;  // "" = in-memory pipeline cache only
  std::chrono::milliseconds timeout{60'000};  // for every wait on the GPU
  // Upload/download through mapped device memory where it is host-visible; false forces the
  // staging path (tests use it to exercise staging on lavapipe, whose memory is all mapped).
  bool direct_host_access = true;
  VkDeviceSize staging_chunk = VkDeviceSize{16} << 20;
  // A window needs surface extensions on the instance and VK_KHR_swapchain on the device.
  std::vector<const char*> instance_extensions, device_extensions;
};

class Context {
 public:
  explicit Context(const ContextOptions& options = {});
  // Saves the pipeline cache; a failure there is a warning on stderr, never an exception.
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const ContextOptions& options() const { return options_; }
  Instance& instance() { return *instance_; }
  Device& device() { return *device_; }
  const DeviceInfo& info() const { return device_->info(); }
  const std::vector<DeviceInfo>& devices() const { return devices_; }
  MemoryPool& memory() { return *memory_; }
  PipelineCache& pipeline_cache() { return *cache_; }
  Timeout timeout() const { return options_.timeout; }

  Buffer buffer(VkDeviceSize size, MemoryUse use = MemoryUse::DeviceLocal) {
    return Buffer(*memory_, size, use);
  }
  ComputePipeline pipeline(const PipelineDesc& desc) {
    return ComputePipeline(*device_, *cache_, desc);
  }
  CommandBuffer commands() { return CommandBuffer(*device_, device_->compute_queue().family()); }

  // Submits to the compute queue (or to `queue`, of the commands' family: the render queue) and
  // waits (finite timeout, settled as settle_wait says), then applies fatal_validation.
  void submit_and_wait(const CommandBuffer& commands, Queue* queue = nullptr);

  // Runs `wait` (a wait on submitted work with this context's timeout). One that times out
  // leaves the work in flight, using memory that unwinding would free (lavapipe crashed so): it
  // is waited for once more, as long again. Work that then ends lets the timeout go on as an
  // error, which ends a run cleanly with its files as they were; work that does not end means a
  // hung device, and the process ends here with one line on stderr and exit code 4, freeing
  // nothing (every file a run wrote is whole: they are written atomically).
  void settle_wait(const std::function<void()>& wait) const;

  // Host ↔ device copies of any size and offset. The caller makes sure no GPU work is using
  // the range (these wait for their own copies only); GPU writes to be downloaded must have
  // been followed by barrier(kComputeWrite, kHostRead) in the work that made them.
  void upload(const Buffer& dst, VkDeviceSize offset, std::span<const std::byte> bytes);
  void download(const Buffer& src, VkDeviceSize offset, std::span<std::byte> out);

  template <typename T>
  void upload(const Buffer& dst, std::span<const T> values, VkDeviceSize offset = 0) {
    upload(dst, offset, std::as_bytes(values));
  }
  template <typename T>
  std::vector<T> download(const Buffer& src, std::size_t count, VkDeviceSize offset = 0) {
    std::vector<T> values(count);
    download(src, offset, std::as_writable_bytes(std::span<T>(values)));
    return values;
  }

  // Throws when fatal_validation is set and the layer reported an error; `where` names the step.
  void check_validation(const std::string& where) const;

 private:
  void copy_and_wait(const Buffer& src, VkDeviceSize src_offset, const Buffer& dst,
                     VkDeviceSize dst_offset, VkDeviceSize size);

  ContextOptions options_;
  std::unique_ptr<Instance> instance_;
  std::vector<DeviceInfo> devices_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<MemoryPool> memory_;
  std::unique_ptr<PipelineCache> cache_;
};

}  // namespace vkvae::vk
