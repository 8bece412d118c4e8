#include "ops/kernel_profile.hpp"

#include <cstdlib>
#include <string>

#include "util/error.hpp"

namespace vkvae::ops {

std::string_view kernel_kind_name(KernelKind kind) { return kind == KernelKind::cpu ? "cpu" : "gpu"; }

uint32_t KernelProfile::gemm_rows(bool vec4_n) const {
  // CPU: on lavapipe 32 rows instead of 8 made gemm_nn4 1.2-1.6x faster, 16 made gemm_nt4 1.2x
  // faster (32 slowed it); gemm.comp takes 16 untested by a benchmark. GPU: at most 64
  // accumulators an invocation, within a GPU's registers (NVIDIA: 255 a thread): gemm_nn4's
  // lanes hold TN ≤ 4 vec4 columns, so 4 rows; the others TN ≤ 8 scalar columns, so 8 rows.
  // (16 rows of gemm_nn4 held 256 and would spill.)
  if (kind == KernelKind::cpu) return vec4_n ? 32 : 16;
  return vec4_n ? 4 : 8;
}

KernelProfile kernel_profile(const vk::DeviceInfo& device, std::optional<KernelKind> forced) {
  KernelProfile p;
  p.kind = forced.value_or(device.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? KernelKind::cpu : KernelKind::gpu);
  if (p.kind == KernelKind::gpu) return p;
  p.tiled_gemm = false;
  p.conv_max_rows = 32;
  p.conv_accumulators = 512;
  p.narrow_convolutions = true;
  // The workgroup of the narrow weight gradient adds its lanes' sums through shared memory, so
  // any width works; a subgroup's is the one measured.
  p.narrow_weight_lanes = device.subgroup_size >= 2 ? device.subgroup_size : 0;
  const bool fixed_subgroups = device.subgroup_size > 1 && device.min_subgroup_size == device.subgroup_size &&
                               device.max_subgroup_size == device.subgroup_size;
  // Sharing among 8 lanes works in any subgroup of a multiple of 8 (lane l of each 8 loads value
  // l), and more does not pay: at lavapipe's 16 lanes, 16-lane sharing unrolled a narrow
  // convolution's 288 weights into 288 broadcasts of 16 lanes, which LLVM took minutes to compile
  // (the one-channel layers' tests ran past 300 s; with 8 they take 0.4 s, as at 8 lanes).
  p.shared_load_lanes = fixed_subgroups && device.subgroup_size % 8 == 0 ? 8 : fixed_subgroups ? device.subgroup_size : 1;
  return p;
}

std::optional<KernelKind> kernels_from_environment() {
  const char* value = std::getenv("VKVAE_KERNELS");
  if (value == nullptr || *value == '\0') return std::nullopt;
  const std::string v = value;
  if (v == "gpu") return KernelKind::gpu;
  if (v == "cpu") return KernelKind::cpu;
  throw UsageError("VKVAE_KERNELS=" + v + ": use gpu or cpu (or leave it unset for the device's own profile)");
}

}  // namespace vkvae::ops
