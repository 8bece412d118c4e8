// The block loop the GPU profile's shared-memory kernels share (shaders/tiled_product.glsl):
// its block and slab, and the shared memory it takes, which each such pipeline declares so that
// a device with less is refused by name at pipeline creation.
#pragma once

#include <cstdint>

namespace vkvae::ops {

inline constexpr uint32_t kTiledBlock = 64;  // a workgroup's 64×64 block of outputs
inline constexpr uint32_t kTiledSlab = 16;   // the sum's k a step
// Two copies (double buffering) of a slab of A (64×16) and of B (16×64), f32: 16 KiB.
inline constexpr uint32_t kTiledSharedBytes = 2 * 2 * kTiledBlock * kTiledSlab * 4;

}  // namespace vkvae::ops
