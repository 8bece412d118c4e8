#include "ops/encoder.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "util/error.hpp"

namespace vkvae::ops {

uint64_t max_binding_bytes(const vk::DeviceInfo& info) {
  const uint64_t device = info.max_storage_buffer_range;
  const char* forced = std::getenv("VKVAE_MAX_BINDING_BYTES");
  if (forced == nullptr || *forced == '\0') return device;
  char* end = nullptr;
  const unsigned long long bytes = std::strtoull(forced, &end, 10);
  if (*end != '\0' || bytes < 256) throw UsageError(std::string("VKVAE_MAX_BINDING_BYTES=") + forced + ": give a byte count of at least 256");
  return std::min<uint64_t>(device, bytes);
}

const vk::ComputePipeline& Kernels::pipeline(const vk::PipelineDesc& desc) {
  std::string key = desc.shader + "/" + std::to_string(desc.storage_buffers) + "/" +
                    std::to_string(desc.push_constant_bytes) + "/" + std::to_string(desc.texel_buffers);
  for (const auto& c : desc.specialization) {
    key += "/" + std::to_string(c.id) + "=" + std::to_string(c.bits);
  }
  auto& slot = pipelines_[key];
  if (!slot) slot = std::make_unique<vk::ComputePipeline>(context_.pipeline(desc));
  return *slot;
}

void Encoder::dispatch_bytes(const vk::PipelineDesc& desc, std::span<const Tensor> tensors,
                             std::span<const std::byte> push, vk::Groups groups) {
  std::vector<vk::BufferRange> ranges;
  ranges.reserve(tensors.size());
  for (const Tensor& t : tensors) ranges.push_back(t.range());
  commands_.dispatch(kernels_.pipeline(desc), ranges, push, groups);
  if (trace_ != nullptr) trace_->push_back(desc.shader);
}

void op_error(const std::string& op, const std::string& what) { throw Error(op + ": " + what); }

void expect_shape(const std::string& op, const char* role, const Tensor& t, const Shape& shape,
                  DType dtype) {
  if (t.buffer == nullptr) op_error(op, std::string(role) + " has no buffer");
  if (!(t.shape == shape)) {
    op_error(op, std::string(role) + " has shape " + t.shape.str() + ", expected " + shape.str());
  }
  if (t.dtype != dtype) op_error(op, std::string(role) + " has the wrong element type");
  if (t.offset + t.bytes() > t.buffer->size()) {
    op_error(op, std::string(role) + " runs past the end of its buffer");
  }
}

void expect_all_shaped(const std::string& op, const Shape& shape,
                       std::initializer_list<std::pair<const char*, const Tensor*>> tensors) {
  for (const auto& [role, tensor] : tensors) expect_shape(op, role, *tensor, shape);
}

void expect_positive(const std::string& op, std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) {
    if (d < 1) op_error(op, "every dimension must be at least 1, got " + std::to_string(d));
    if (d > std::numeric_limits<int32_t>::max()) op_error(op, "dimension " + std::to_string(d) + " is too large");
  }
}

}  // namespace vkvae::ops
