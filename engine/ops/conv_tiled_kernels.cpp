// The GPU profile's convolution kernels: implicit GEMMs through shared memory on the block loop
// of shaders/tiled_product.glsl, in the block shapes of ops/tiled_product.hpp (conv_kernels.hpp).
#include "ops/conv_kernels.hpp"
#include "ops/tiled_product.hpp"

namespace vkvae::ops::conv_kernels {
namespace {

// The block shape of an implicit GEMM whose rows are output positions (many), with `columns`
// output channels and a sum of `terms`, or none (the register kernels) outside the GPU profile
// and where fewer than 16 channels would leave its blocks mostly empty: 64×64 where the
// channels half fill it and the terms a slab of 16, else 128×32 with slabs of 8 (a one-channel
// layer's 9 taps; its 32 channels) where the profile takes the narrow shapes.
std::optional<TiledShape> position_rows_shape(const Encoder& enc, uint32_t columns, uint32_t terms) {
  if (!enc.profile().tiled_gemm || columns < 16) return std::nullopt;
  if (columns >= 32 && terms >= 16) return kSquareTiles;
  return enc.profile().narrow_tiles ? std::optional(kShortSumTiles) : std::nullopt;
}

// The pipeline of conv_forward_tiled or conv_backward_data_tiled in block shape `shape` with the
// epilogue of shaders/gemm_epilogue.glsl.
vk::PipelineDesc tiled_epilogue_pipeline(const char* shader, TiledShape shape, const Tensor* bias, ActivationSpec act,
                                         bool accumulate, const ActivationGate* gate) {
  vk::PipelineDesc desc{shader, 4, sizeof(Push),
                        {vk::SpecConstant::u32(3, bias != nullptr), vk::SpecConstant::u32(4, accumulate),
                         vk::SpecConstant::u32(5, gate != nullptr)}};
  set_tiled_shape(desc, shape);
  add_activation_constants(desc, gate != nullptr ? gate->act : act);
  return desc;
}

}  // namespace

// conv_forward_tiled: rows the output positions, columns the K output channels, the sum over
// the C·R·S taps gathered from the image.
bool tiled_forward(Encoder& enc, const ConvGeometry& g, const Tensor& small, const Tensor& large, const Tensor& w,
                   const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate) {
  const auto shape = position_rows_shape(enc, g.K, g.C * g.R * g.S);
  if (!shape) return false;
  vk::PipelineDesc desc = tiled_epilogue_pipeline("conv_forward_tiled", *shape, bias, act, accumulate, gate);
  // The weights in vec4s along the taps where a weight's taps come in whole quads.
  desc.specialization.push_back(vk::SpecConstant::u32(10, (g.C * g.R * g.S) % 4 == 0 && w.offset % 16 == 0));
  enc.dispatch(desc, {large, w, epilogue_input(bias, gate, small), small}, push_of(g),
               {vk::groups_for(g.K, shape->columns), vk::groups_for(uint64_t{g.N} * g.P * g.Q, shape->rows)});
  return true;
}

// conv_backward_data_tiled: a GEMM a sub-pixel phase, over the phase's ⌈(H + pad)/s⌉·⌈(W + pad)/s⌉
// positions an image, its sum over the K channels of dy and the phase's taps. A ConvTranspose2d
// to the image's 1 or 3 channels, a product that narrow, keeps the register kernel.
bool tiled_backward_data(Encoder& enc, const ConvGeometry& g, const Tensor& large, const Tensor& small, const Tensor& w,
                         const Tensor* bias, ActivationSpec act, bool accumulate, const ActivationGate* gate) {
  const auto shape = position_rows_shape(enc, g.C, g.K);
  if (!shape) return false;
  const uint64_t positions = uint64_t{g.N} * ((g.H + g.pad + g.stride - 1) / g.stride) * ((g.W + g.pad + g.stride - 1) / g.stride);
  enc.dispatch(tiled_epilogue_pipeline("conv_backward_data_tiled", *shape, bias, act, accumulate, gate),
               {small, w, epilogue_input(bias, gate, large), large}, push_of(g),
               {vk::groups_for(g.C, shape->columns), vk::groups_for(positions, shape->rows), g.stride * g.stride});
  return true;
}

// conv_backward_weight_tiled: rows the K channels of dy, columns the C·R·S taps, a long sum over
// output positions, split z taking `chunk` output rows (n, p) as the register kernel's splits
// do. 64×64 blocks where both sides half fill them, else 32×16 with slabs of 32 positions where
// 16 channels and 8 taps do (a one-channel layer's 32 × 9) and the profile takes the narrow
// shapes; none otherwise.
std::optional<WeightGradientKernel> tiled_weight_kernel(const Encoder& enc, const ConvGeometry& g, bool accumulate) {
  const uint32_t taps = g.C * g.R * g.S;
  if (!enc.profile().tiled_gemm) return std::nullopt;
  const bool narrow = enc.profile().narrow_tiles && g.K >= 16 && taps >= 8;
  const std::optional<TiledShape> shape = g.K >= 32 && taps >= 32 ? std::optional(kSquareTiles)
                                          : narrow                ? std::optional(kNarrowTiles)
                                                                  : std::nullopt;
  if (!shape) return std::nullopt;
  const uint32_t splits = splits_for(g);
  const uint64_t rows = uint64_t{g.N} * g.P;
  vk::PipelineDesc desc{"conv_backward_weight_tiled", 3, sizeof(Push), {vk::SpecConstant::u32(3, accumulate && splits == 1)}};
  set_tiled_shape(desc, *shape);
  return WeightGradientKernel{desc,
                              {vk::groups_for(taps, shape->columns), vk::groups_for(g.K, shape->rows), splits},
                              splits,
                              static_cast<uint32_t>((rows + splits - 1) / splits)};
}

}  // namespace vkvae::ops::conv_kernels
