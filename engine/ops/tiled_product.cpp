#include "ops/tiled_product.hpp"

namespace vkvae::ops {

void set_tiled_shape(vk::PipelineDesc& desc, TiledShape shape) {
  desc.specialization.push_back(vk::SpecConstant::u32(12, shape.rows));
  desc.specialization.push_back(vk::SpecConstant::u32(13, shape.columns));
  desc.specialization.push_back(vk::SpecConstant::u32(14, shape.slab));
  desc.shared_bytes = shape.shared_bytes();
}

}  // namespace vkvae::ops
