#include "ops/gemm.hpp"

#include <algorithm>
#include <bit>

#include "ops/tiled_product.hpp"

namespace vkvae::ops {
namespace {

struct Push {
  uint32_t M, N, K, sam, sak, sbk, sbn, scm;
};
struct TiledPush {
  Push p;
  uint32_t kslice;
};
struct ReducePush {
  uint32_t M, N, S, scm;
};

// The workgroups a split product aims at: about four of the tiled kernel's 128-lane workgroups
// for each multiprocessor of a large GPU (an H200 has 132); products of fewer than half as many
// blocks are split.
constexpr uint32_t kBlock = kSquareTiles.rows, kSlab = kSquareTiles.slab, kSplitTarget = 512, kMaxSlices = 16;

// K a slice of a product split `slices` ways sums: whole slabs.
uint32_t slice_length(uint32_t K, uint32_t slices) { return (K + slices * kSlab - 1) / (slices * kSlab) * kSlab; }

// Where the row sums' partials start in the workspace: after the partial products, on a
// multiple of 64 floats, since a binding starts on minStorageBufferOffsetAlignment (≤ 256 bytes).
uint64_t row_partials_at(uint32_t M, uint32_t N, uint32_t slices) { return (uint64_t{slices} * M * N + 63) / 64 * 64; }

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

// gemm_tiled's pipeline: which operands it reads in vec4s, and the epilogue's constants (ids 3–6)
// where it applies one (`split`: not, the reduce does).
vk::PipelineDesc tiled_pipeline(const GemmArgs& g, bool split) {
  const TiledQuads quads = tiled_quads(g);
  vk::PipelineDesc desc{"gemm_tiled", 5, sizeof(TiledPush),
                        {vk::SpecConstant::u32(6, g.row_sums != nullptr), vk::SpecConstant::u32(7, split),
                         vk::SpecConstant::u32(10, quads.a), vk::SpecConstant::u32(11, quads.b)}};
  set_tiled_shape(desc, kSquareTiles);
  if (!split) {
    desc.specialization.push_back(vk::SpecConstant::u32(3, g.bias != nullptr));
    desc.specialization.push_back(vk::SpecConstant::u32(4, g.accumulate));
    desc.specialization.push_back(vk::SpecConstant::u32(5, g.gate != nullptr));
    add_activation_constants(desc, g.act);
  }
  return desc;
}

// The tiled kernel over `slices` slices of K into the workspace, then the ordered sum and the
// epilogue (shaders/gemm_split_reduce.comp).
void split_gemm(Encoder& enc, const GemmArgs& g, const std::string& op, uint32_t slices, const Tensor& epilogue_in,
                const Tensor& row_sums) {
  const uint64_t partial_elements = uint64_t{slices} * g.M * g.N, rows_at = row_partials_at(g.M, g.N, slices);
  if (static_cast<uint64_t>(g.workspace->numel()) < rows_at + uint64_t{slices} * g.M) {
    op_error(op, "a workspace of " + std::to_string(g.workspace->numel()) + " elements is smaller than the split product needs");
  }
  Tensor partials = *g.workspace, row_partials = *g.workspace;
  partials.shape = {static_cast<int64_t>(partial_elements)};
  row_partials.offset += rows_at * sizeof(float);
  row_partials.shape = {static_cast<int64_t>(slices) * g.M};
  const Push push{g.M, g.N, g.K, g.sam, g.sak, g.sbk, g.sbn, g.N};
  enc.dispatch(tiled_pipeline(g, true), {g.a, g.b, g.c, partials, g.row_sums != nullptr ? row_partials : partials},
               TiledPush{push, slice_length(g.K, slices)}, {vk::groups_for(g.N, kBlock), vk::groups_for(g.M, kBlock), slices});
  enc.barrier();
  constexpr uint32_t kLocal = 64;
  vk::PipelineDesc desc{"gemm_split_reduce", 5, sizeof(ReducePush),
                        {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(3, g.bias != nullptr), vk::SpecConstant::u32(4, g.accumulate),
                         vk::SpecConstant::u32(5, g.gate != nullptr), vk::SpecConstant::u32(6, g.row_sums != nullptr)}};
  add_activation_constants(desc, g.act);
  enc.dispatch(desc, {partials, g.row_sums != nullptr ? row_partials : partials, epilogue_in, g.c, row_sums},
               ReducePush{g.M, g.N, slices, g.scm}, vk::linear_groups(uint64_t{g.M} * g.N, kLocal));
}

}  // namespace

TiledQuads tiled_quads(const GemmArgs& g) {
  // The shader takes A as contiguous along k where sak == 1, else along m; B along n where
  // sbn == 1, else along k. A quad needs that stride 1, the other stride and the extent along
  // it multiples of 4 (so a quad never straddles a row or the operand's edge), and a binding
  // on 16 bytes (minStorageBufferOffsetAlignment may be 4).
  const auto quads = [](uint32_t along_stride, uint32_t along_extent, uint32_t other_stride, const Tensor& t) {
    return along_stride == 1 && along_extent % 4 == 0 && other_stride % 4 == 0 && aligned16(t);
  };
  return {g.sak == 1 ? quads(g.sak, g.K, g.sam, g.a) : quads(g.sam, g.M, g.sak, g.a),
          g.sbn == 1 ? quads(g.sbn, g.N, g.sbk, g.b) : quads(g.sbk, g.K, g.sbn, g.b)};
}

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

uint32_t split_k_slices(uint32_t M, uint32_t N, uint32_t K, const KernelProfile& profile) {
  GemmArgs shape;
  shape.M = M, shape.N = N, shape.K = K;
  if (choose_gemm_kernel(shape, profile) != GemmKernel::tiled) return 1;
  const uint64_t blocks = uint64_t{vk::groups_for(M, kBlock)} * vk::groups_for(N, kBlock);
  if (blocks >= kSplitTarget / 2) return 1;
  const auto wanted = static_cast<uint32_t>((kSplitTarget + blocks - 1) / blocks);
  const uint32_t slices = std::min({wanted, K / kSplitKMinimum, kMaxSlices});
  if (slices < 2) return 1;
  return (K + slice_length(K, slices) - 1) / slice_length(K, slices);  // no empty slice
}

uint64_t gemm_workspace_elements(uint32_t M, uint32_t N, uint32_t K, const KernelProfile& profile) {
  const uint32_t slices = split_k_slices(M, N, K, profile);
  return slices < 2 ? 0 : row_partials_at(M, N, slices) + uint64_t{slices} * M;
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
    const uint32_t slices = g.workspace != nullptr ? split_k_slices(g.M, g.N, g.K, enc.profile()) : 1;
    if (slices > 1) {
      split_gemm(enc, g, op, slices, epilogue_in, row_sums);
      return;
    }
    enc.dispatch(tiled_pipeline(g, false), {g.a, g.b, epilogue_in, g.c, row_sums}, TiledPush{push, g.K},
                 {vk::groups_for(g.N, kBlock), vk::groups_for(g.M, kBlock)});
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
