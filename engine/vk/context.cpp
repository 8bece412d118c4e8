#include "vk/context.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/error.hpp"
#include "vk/check.hpp"

namespace vkvae::vk {

Context::Context(const ContextOptions& options) : options_(options) {
  InstanceOptions instance_options;
  instance_options.validation = options.validation;
  instance_options.synchronization_validation = options.synchronization_validation;
  instance_options.print_validation = options.print_validation;
  instance_options.extensions = options.instance_extensions;
  instance_ = std::make_unique<Instance>(instance_options);
  devices_ = enumerate_devices(instance_->handle());
  const DeviceInfo& chosen = select_device(devices_, options.device, options.device_flag);
  device_ = std::make_unique<Device>(chosen, options.device_extensions);
  memory_ = std::make_unique<MemoryPool>(*device_);
  cache_ = std::make_unique<PipelineCache>(*device_, options.cache_dir);
}

Context::~Context() {
  try {
    cache_->save();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkvae: warning: pipeline cache not saved: %s\n", e.what());
  }
}

void Context::check_validation(const std::string& where) const {
  if (options_.fatal_validation) instance_->validation().throw_if_errors(where);
}

void Context::submit_and_wait(const CommandBuffer& commands, Queue* queue) {
  Fence fence(device_->handle());
  const VkCommandBuffer handle = commands.handle();
  if (queue == nullptr) {
    queue = commands.family() == device_->compute_queue().family() || !device_->transfer_queue()
                ? &device_->compute_queue()
                : device_->transfer_queue();
  }
  if (queue->family() != commands.family()) throw Error("commands recorded for queue family " + std::to_string(commands.family()) + " submitted to family " + std::to_string(queue->family()));
  queue->submit({.commands = {&handle, 1}, .fence = &fence});
  settle_wait([&] { fence.wait(options_.timeout); });
  check_validation("after a submit");
}

void Context::settle_wait(const std::function<void()>& wait) const {
  try {
    wait();
  } catch (const VulkanError& e) {
    if (e.result() != VK_TIMEOUT) throw;
    try {
      wait();
    } catch (const VulkanError& again) {
      if (again.result() != VK_TIMEOUT) throw;
      std::fprintf(stderr, "vkvae: error: %s; nor in as long again, so the device is taken as hung: the process ends here "
                           "without freeing memory the device may still use (files already written are whole)\n", e.what());
      std::fflush(stderr);
      std::_Exit(4);
    }
    throw;  // the work ended late: safe to unwind
  }
}

void Context::copy_and_wait(const Buffer& src, VkDeviceSize src_offset, const Buffer& dst,
                            VkDeviceSize dst_offset, VkDeviceSize size) {
  Queue* transfer = device_->transfer_queue();
  CommandBuffer commands(*device_, transfer ? transfer->family() : device_->compute_queue().family());
  commands.begin();
  commands.copy(src, src_offset, dst, dst_offset, size);
  commands.barrier(kTransferWrite, kHostRead);  // the host reads readback staging after the wait
  commands.end();
  submit_and_wait(commands);
}

void Context::upload(const Buffer& dst, VkDeviceSize offset, std::span<const std::byte> bytes) {
  if (offset + bytes.size() > dst.size()) {
    throw Error("upload of " + std::to_string(bytes.size()) + " bytes at offset " +
                std::to_string(offset) + " runs past the end of a " + std::to_string(dst.size()) +
                "-byte buffer");
  }
  if (bytes.empty()) return;
  if (options_.direct_host_access && dst.mapped() != nullptr) {
    std::memcpy(dst.mapped() + offset, bytes.data(), bytes.size());
    dst.flush(offset, bytes.size());
    return;
  }
  const VkDeviceSize chunk = std::min<VkDeviceSize>(options_.staging_chunk, bytes.size());
  Buffer staging(*memory_, chunk, MemoryUse::Upload);
  for (VkDeviceSize done = 0; done < bytes.size(); done += chunk) {
    const VkDeviceSize n = std::min<VkDeviceSize>(chunk, bytes.size() - done);
    std::memcpy(staging.mapped(), bytes.data() + done, n);
    staging.flush(0, n);
    copy_and_wait(staging, 0, dst, offset + done, n);
  }
}

void Context::download(const Buffer& src, VkDeviceSize offset, std::span<std::byte> out) {
  if (offset + out.size() > src.size()) {
    throw Error("download of " + std::to_string(out.size()) + " bytes at offset " +
                std::to_string(offset) + " runs past the end of a " + std::to_string(src.size()) +
                "-byte buffer");
  }
  if (out.empty()) return;
  if (options_.direct_host_access && src.mapped() != nullptr) {
    src.invalidate(offset, out.size());
    std::memcpy(out.data(), src.mapped() + offset, out.size());
    return;
  }
  const VkDeviceSize chunk = std::min<VkDeviceSize>(options_.staging_chunk, out.size());
  Buffer staging(*memory_, chunk, MemoryUse::Readback);
  for (VkDeviceSize done = 0; done < out.size(); done += chunk) {
    const VkDeviceSize n = std::min<VkDeviceSize>(chunk, out.size() - done);
    copy_and_wait(src, offset + done, staging, 0, n);
    staging.invalidate(0, n);
    std::memcpy(out.data() + done, staging.mapped(), n);
  }
}

}  // namespace vkvae::vk
