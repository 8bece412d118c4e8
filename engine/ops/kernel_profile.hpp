// Which kernels and tiles a device gets, decided in one place from what the device is, so that
// no op branches on the device type and a test can force either side (VKVAE_KERNELS=gpu|cpu).
//
//   gpu: accumulators in registers (about 32 a lane), plain storage-buffer loads, the general
//        convolution kernels; what discrete and integrated GPUs get.
//   cpu: a CPU implementation (lavapipe) keeps a lane's accumulators in memory whatever their
//        number, loads per lane even from a uniform address and gathers texels in one
//        instruction; so taller tiles, shared uniform loads and the narrow convolution kernels
//        with texel inputs (docs/BENCHMARKS.md has the figures behind each).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "vk/device_info.hpp"

namespace vkvae::ops {

enum class KernelKind { gpu, cpu };

std::string_view kernel_kind_name(KernelKind kind);

struct KernelProfile {
  KernelKind kind = KernelKind::gpu;
  // Lanes of a subgroup that share a tile's uniform loads (shaders/uniform_loads.glsl); 1: none.
  // Only where the subgroup size is fixed and known, since the kernels broadcast from lane l of a
  // subgroup of exactly this many lanes.
  uint32_t shared_load_lanes = 1;
  // Convolution tiles: at most this many rows (channels) a workgroup and accumulators a lane.
  uint32_t conv_max_rows = 16, conv_accumulators = 32;
  // conv_forward_narrow, conv_backward_data_cells and conv_backward_weight_narrow, which read
  // their inputs as texel buffers, for layers with few taps or channels.
  bool narrow_convolutions = false;
  // Lanes of the narrow weight gradient's workgroup (its position lanes); 0 without the kernel.
  uint32_t narrow_weight_lanes = 0;

  // GEMMs of 32 × 32 outputs and more through shared-memory blocks (shaders/gemm_tiled.comp).
  // Not on a CPU device: there a 16×16 shared-memory tile ran at 1 GFLOP/s against 6-8 for
  // the row kernels (DESIGN §5), since barriers are coroutine switches.
  bool tiled_gemm = true;
  // With tiled_gemm, the block loop's narrow shapes (ops/tiled_product.hpp) for convolutions of
  // 16–31 channels or few taps, the one-channel layers among them; without, those take the
  // register kernels. On lavapipe the narrow shapes run 5–7× slower than the register kernels
  // (docs/BENCHMARKS.md); on a GPU bench/gpu.sh times both (VKVAE_BENCH_NARROW_TILES=0).
  bool narrow_tiles = true;
  // Rows a GEMM workgroup takes (each invocation holds them all) for `vec4_n` (gemm_nn4) or
  // the other kernels.
  uint32_t gemm_rows(bool vec4_n) const;
};

// The profile of `device`, or of `forced` where a test or a person asks for one.
KernelProfile kernel_profile(const vk::DeviceInfo& device, std::optional<KernelKind> forced);

// VKVAE_KERNELS=gpu|cpu, or nothing when unset. Throws UsageError for another value.
std::optional<KernelKind> kernels_from_environment();

}  // namespace vkvae::ops
