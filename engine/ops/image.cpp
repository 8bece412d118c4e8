#include "ops/image.hpp"

#include <algorithm>

namespace vkvae::ops {

GridSize grid_size(uint32_t count, uint32_t h, uint32_t w, const GridLayout& layout) {
  const uint32_t columns = std::min(layout.nrow, count);
  const uint32_t rows = (count + layout.nrow - 1) / layout.nrow;
  return {columns * (w + layout.padding) + layout.padding, rows * (h + layout.padding) + layout.padding};
}

void image_grid(Encoder& enc, const Tensor& grid, const Tensor& images, const GridLayout& layout,
                bool sigmoid) {
  const std::string op = "image_grid";
  if (images.shape.rank() != 4) op_error(op, "images must be (B, C, H, W), got " + images.shape.str());
  expect_positive(op, {images.shape[0], images.shape[1], images.shape[2], images.shape[3], layout.nrow});
  if (images.shape[1] != 1 && images.shape[1] != 3) op_error(op, "images need 1 or 3 channels, got " + std::to_string(images.shape[1]));
  expect_shape(op, "images", images, images.shape);
  const uint32_t B = static_cast<uint32_t>(images.shape[0]), C = static_cast<uint32_t>(images.shape[1]);
  const uint32_t H = static_cast<uint32_t>(images.shape[2]), W = static_cast<uint32_t>(images.shape[3]);
  const GridSize size = grid_size(B, H, W, layout);
  expect_shape(op, "grid", grid, {int64_t{size.height} * size.width}, DType::u32);
  struct Push {
    uint32_t B, C, H, W, nrow, pad, grid_w, grid_h;
  };
  const Push push{B, C, H, W, layout.nrow, layout.padding, size.width, size.height};
  enc.dispatch({"image_grid", 2, sizeof(Push), {vk::SpecConstant::u32(0, 64), vk::SpecConstant::u32(1, sigmoid)}},
               {images, grid}, push, vk::linear_groups(uint64_t{size.width} * size.height, 64));
}

}  // namespace vkvae::ops
