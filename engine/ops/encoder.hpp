// Records ops into a command buffer. Kernels caches one pipeline per (shader, specialization);
// Encoder is what every op function takes: the pipelines plus the command buffer being recorded.
// Ops that need several dependent dispatches put barriers between them; barriers between ops
// are the caller's (the graph scheduler's) business.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ops/kernel_profile.hpp"
#include "ops/tensor.hpp"
#include "vk/context.hpp"

namespace vkvae::ops {

// The most bytes one storage binding may span: the device's maxStorageBufferRange, or less
// where VKVAE_MAX_BINDING_BYTES says (tests force data sets into pieces with it).
uint64_t max_binding_bytes(const vk::DeviceInfo& info);

class Kernels {
 public:
  // The device's kernel profile, or the one VKVAE_KERNELS names.
  explicit Kernels(vk::Context& context) : Kernels(context, kernels_from_environment()) {}
  Kernels(vk::Context& context, std::optional<KernelKind> forced)
      : Kernels(context, kernel_profile(context.info(), forced)) {}
  // A profile of the caller's (a benchmark comparing two choices).
  Kernels(vk::Context& context, const KernelProfile& profile) : context_(context), profile_(profile) {}
  // The pipeline for `desc`, created on first use.
  const vk::ComputePipeline& pipeline(const vk::PipelineDesc& desc);
  const KernelProfile& profile() const { return profile_; }
  // The device's subgroup width (0 when it does not say): the fewest lanes worth a workgroup.
  uint32_t subgroup_size() const { return context_.info().subgroup_size; }
  // UNIFORM_LOAD_LANES of shaders/uniform_loads.glsl for a kernel loading `values` uniform
  // values at a time: the profile's sharing lanes, and none for a single value (nothing to share).
  uint32_t uniform_load_lanes(uint32_t values) const { return values > 1 ? profile_.shared_load_lanes : 1; }
  uint32_t max_shared_memory_bytes() const { return context_.info().max_shared_memory_bytes; }
  uint64_t max_binding_bytes() const { return ops::max_binding_bytes(context_.info()); }
  uint64_t storage_offset_alignment() const { return context_.info().min_storage_buffer_offset_alignment; }
  // Whether `t` can be bound as a uniform texel buffer (vk::PipelineDesc::texel_buffers): its
  // offset and size within the device's texel-buffer limits.
  bool texel_bindable(const Tensor& t) const {
    const vk::DeviceInfo& info = context_.info();
    return t.offset % info.min_texel_buffer_offset_alignment == 0 &&
           static_cast<uint64_t>(t.numel()) <= info.max_texel_buffer_elements;
  }

 private:
  vk::Context& context_;
  KernelProfile profile_;
  std::map<std::string, std::unique_ptr<vk::ComputePipeline>> pipelines_;
};

class Encoder {
 public:
  Encoder(Kernels& kernels, vk::CommandBuffer& commands) : kernels_(kernels), commands_(commands) {}
  uint32_t subgroup_size() const { return kernels_.subgroup_size(); }
  const KernelProfile& profile() const { return kernels_.profile(); }
  uint32_t uniform_load_lanes(uint32_t values) const { return kernels_.uniform_load_lanes(values); }
  bool texel_bindable(const Tensor& t) const { return kernels_.texel_bindable(t); }
  uint32_t max_shared_memory_bytes() const { return kernels_.max_shared_memory_bytes(); }
  uint64_t max_binding_bytes() const { return kernels_.max_binding_bytes(); }
  uint64_t storage_offset_alignment() const { return kernels_.storage_offset_alignment(); }

  template <typename Push>
    requires std::is_standard_layout_v<Push>
  void dispatch(const vk::PipelineDesc& desc, std::initializer_list<Tensor> tensors,
                const Push& push, vk::Groups groups) {
    dispatch_bytes(desc, std::span<const Tensor>(tensors.begin(), tensors.size()),
                   std::as_bytes(std::span<const Push, 1>(&push, 1)), groups);
  }
  // The same with a binding list made at run time.
  template <typename Push>
    requires std::is_standard_layout_v<Push>
  void dispatch(const vk::PipelineDesc& desc, std::span<const Tensor> tensors, const Push& push, vk::Groups groups) {
    dispatch_bytes(desc, tensors, std::as_bytes(std::span<const Push, 1>(&push, 1)), groups);
  }
  // Makes earlier compute writes visible to later compute reads and writes.
  void barrier() { commands_.barrier(vk::kComputeWrite, vk::kComputeRead | vk::kComputeWrite); }
  // From now on, the shader of every dispatch is appended to `names` (null: no more); a
  // profile names by it the kernels each node ran.
  void trace_into(std::vector<std::string>* names) { trace_ = names; }

 private:
  void dispatch_bytes(const vk::PipelineDesc& desc, std::span<const Tensor> tensors,
                      std::span<const std::byte> push, vk::Groups groups);

  Kernels& kernels_;
  vk::CommandBuffer& commands_;
  std::vector<std::string>* trace_ = nullptr;
};

// The push constants of shaders/reduce_sum.comp (used by several op families).
struct ReducePush {
  uint32_t n;
  float scale;
  uint32_t chunk;  // elements per workgroup
};

// Where a layer's backward pass writes: any of dx, dw, db may be null. `accumulate_input` adds
// into dx, `accumulate_params` into dw and db (a tensor used twice, a weight shared by two
// layers).
struct LayerGrads {
  const Tensor* dx = nullptr;
  const Tensor* dw = nullptr;
  const Tensor* db = nullptr;
  bool accumulate_input = false;
  bool accumulate_params = false;
};

// Checks that every tensor in `tensors` (role, tensor) has `shape`, naming the op and role.
void expect_all_shaped(const std::string& op, const Shape& shape,
                       std::initializer_list<std::pair<const char*, const Tensor*>> tensors);

// Throws a vkvae::Error "<op>: <what>" for a shape or parameter the op cannot take.
[[noreturn]] void op_error(const std::string& op, const std::string& what);
// Checks `t` has `shape` (and f32), naming the op and the tensor's role.
void expect_shape(const std::string& op, const char* role, const Tensor& t, const Shape& shape,
                  DType dtype = DType::f32);
// Every dimension must be ≥ 1 and fit the 32-bit indices shaders use.
void expect_positive(const std::string& op, std::initializer_list<int64_t> dims);

}  // namespace vkvae::ops
