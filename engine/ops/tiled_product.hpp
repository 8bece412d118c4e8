// The block loop the GPU profile's shared-memory kernels share (shaders/tiled_product.glsl):
// the shapes of its blocks, and the pipeline constants that give a kernel one. Each pipeline
// declares the shared memory its shape takes, so that a device with less is refused by name at
// pipeline creation.
#pragma once

#include <cstdint>

#include "vk/pipeline.hpp"

namespace vkvae::ops {

// A workgroup's block of rows × columns of the product, and the slab of the sum a step; 128
// invocations of rows/8 × columns/16 accumulators each.
struct TiledShape {
  uint32_t rows, columns, slab;
  // Two copies (double buffering) of a slab of A (rows × slab) and of B (slab × columns), f32.
  uint32_t shared_bytes() const { return 2 * slab * (rows + columns) * 4; }
};

// Products that fill 64×64 blocks: 32 accumulators, 16 KiB (the least a Vulkan device has).
inline constexpr TiledShape kSquareTiles{64, 64, 16};
// Short sums, such as a one-channel layer's 9 taps: 128 positions × 32 channels, slabs of 8
// (two for 9 taps, not one of 16 mostly zeros), 32 accumulators, 10 KiB.
inline constexpr TiledShape kShortSumTiles{128, 32, 8};
// Few columns and a long sum, such as a one-channel layer's weight gradient (32 channels × 9
// taps over every position): 32 × 16, slabs of 32, 4 accumulators, 12 KiB.
inline constexpr TiledShape kNarrowTiles{32, 16, 32};

// The shape's constants (ids 12–14) and shared memory on a tiled kernel's pipeline.
void set_tiled_shape(vk::PipelineDesc& desc, TiledShape shape);

}  // namespace vkvae::ops
