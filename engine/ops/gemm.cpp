#include "ops/gemm.hpp"

#include <algorithm>
#include <bit>

namespace vkvae::ops {
namespace {

struct Push {
  uint32_t M, N, K, sam, sak, sbk, sbn, scm;
};

bool aligned16(const Tensor& t) { return t.offset % 16 == 0; }

uint32_t pow2_ceil(uint32_t v) { return std::bit_ceil(std::max<uint32_t>(v, 1)); }

// Highest element index a strided view touches, +1.
uint64_t extent(uint32_t rows, uint32_t cols, uint32_t row_stride, uint32_t col_stride) {
  return uint64_t{rows - 1} * row_stride + uint64_t{cols - 1} * col_stride + 1;
}

void check_view(const std::string& op, const char* role, const Tensor& t, uint64_t needed) {
  if (t.buffer == nullptr) op_error(op, std::string(role) + " has no buffer");
  if (t.dtype != DType::f32) op_error(op, std::string(role) + " must be f32");
  if (static_cast<uint64_t>(t.numel()) < needed) {
    op_error(op, std::string(role) + " " + t.shape.str() + " holds " + std::to_string(t.numel()) +
                     " elements, the product reads " + std::to_string(needed));
  }
}

}  // namespace

GemmKernel choose_gemm_kernel(const GemmArgs& g, const KernelProfile& profile) {
  if (!g.allow_vectorized) return GemmKernel::scalar;
  // A block of 64×64 wants both sides at least half full; below that the row kernels waste less.
  if (profile.tiled_gemm && g.M >= 32 && g.N >= 32) return GemmKernel::tiled;
  if (g.sak == 1 && g.sbk == 1 && g.K % 4 == 0 && g.sam % 4 == 0 && g.sbn % 4 == 0 &&
      aligned16(g.a) && aligned16(g.b)) {
    return GemmKernel::vec4_k;
  }
  if (g.sbn == 1 && g.N % 4 == 0 && g.sbk % 4 == 0 && g.scm % 4 == 0 && aligned16(g.b) &&
      aligned16(g.c)) {
    return GemmKernel::vec4_n;
  }
  return GemmKernel::scalar;
}

void gemm(Encoder& enc, const GemmArgs& g, const std::string& op) {
  expect_positive(op, {g.M, g.N, g.K});
  validate_activation(op, g.act);
  check_view(op, "A", g.a, extent(g.M, g.K, g.sam, g.sak));
  check_view(op, "B", g.b, extent(g.K, g.N, g.sbk, g.sbn));
  check_view(op, "C", g.c, extent(g.M, g.N, g.scm, 1));
  if (g.bias != nullptr) check_view(op, "bias", *g.bias, g.N);
  if (g.gate != nullptr) {
    if (g.bias != nullptr) op_error(op, "a gated product takes no bias");
    check_view(op, "gate", *g.gate, extent(g.M, g.N, g.scm, 1));
  }
  if (g.row_sums != nullptr) check_view(op, "row sums", *g.row_sums, g.M);

  const GemmKernel kernel = choose_gemm_kernel(g, enc.profile());
  const Push push{g.M, g.N, g.K, g.sam, g.sak, g.sbk, g.sbn, g.scm};
  // C stands in for the bindings a dispatch does not use (never touched: their constants are off).
  const Tensor& epilogue_in = g.bias != nullptr ? *g.bias : g.gate != nullptr ? *g.gate : g.c;
  const Tensor& row_sums = g.row_sums != nullptr ? *g.row_sums : g.c;
  if (kernel == GemmKernel::tiled) {
    vk::PipelineDesc desc{"gemm_tiled", 5, sizeof(Push),
                          {vk::SpecConstant::u32(3, g.bias != nullptr), vk::SpecConstant::u32(4, g.accumulate),
                           vk::SpecConstant::u32(5, g.gate != nullptr), vk::SpecConstant::u32(6, g.row_sums != nullptr)}};
    add_activation_constants(desc, g.act);
    enc.dispatch(desc, {g.a, g.b, epilogue_in, g.c, row_sums}, push, {vk::groups_for(g.N, 64), vk::groups_for(g.M, 64)});
    return;
  }
  // Tiles: TM rows per workgroup, each lane TN columns (vec4 columns for vec4_n), sized so that
  // narrow outputs do not leave most lanes idle.
  const uint32_t columns = kernel == GemmKernel::vec4_n ? g.N / 4 : g.N;
  const uint32_t local = columns >= 6 * 64 ? 64 : 32;
  const uint32_t max_tn = kernel == GemmKernel::vec4_n ? 4 : 8;
  const uint32_t tn = std::min(max_tn, pow2_ceil((columns + local - 1) / local));
  // Rows a workgroup: the profile's (ops/kernel_profile.cpp), never taller than the output.
  const uint32_t tall = enc.profile().gemm_rows(kernel == GemmKernel::vec4_n);
  const uint32_t tm = std::min(tall, std::max<uint32_t>(8, pow2_ceil(g.M)));

  const char* shader = kernel == GemmKernel::vec4_k ? "gemm_nt4"
                       : kernel == GemmKernel::vec4_n ? "gemm_nn4"
                                                      : "gemm";
  vk::PipelineDesc desc{shader, 5, sizeof(Push),
                        {vk::SpecConstant::u32(0, local), vk::SpecConstant::u32(1, tm),
                         vk::SpecConstant::u32(2, tn), vk::SpecConstant::u32(3, g.bias != nullptr),
                         vk::SpecConstant::u32(4, g.accumulate), vk::SpecConstant::u32(5, g.gate != nullptr),
                         vk::SpecConstant::u32(6, g.row_sums != nullptr),
                         vk::SpecConstant::u32(15, enc.uniform_load_lanes(tm))}};
  add_activation_constants(desc, g.act);
  enc.dispatch(desc, {g.a, g.b, epilogue_in, g.c, row_sums}, push,
               {vk::groups_for(columns, uint64_t{local} * tn), vk::groups_for(g.M, tm)});
}

}  // namespace vkvae::ops
