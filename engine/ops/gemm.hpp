// C (M,N) = act(A (M,K) · B (K,N) + bias (N)), or C += … — the matrix product under Linear and
// convolution; optionally gated by an activation's derivative, and with A's row sums. Operands are strided views, so one entry serves every transpose.
#pragma once

#include "ops/activation.hpp"
#include "ops/encoder.hpp"

namespace vkvae::ops {

struct GemmArgs {
  uint32_t M = 0, N = 0, K = 0;
  Tensor a;                    // A(m,k) = a[m*sam + k*sak]
  uint32_t sam = 0, sak = 0;
  Tensor b;                    // B(k,n) = b[k*sbk + n*sbn]
  uint32_t sbk = 0, sbn = 0;
  Tensor c;                    // C(m,n) = c[m*scm + n]
  uint32_t scm = 0;
  const Tensor* bias = nullptr;
  ActivationSpec act;
  bool accumulate = false;
  // C's elements multiplied by act'(gate) (the activation `act`, not applied): the gradient
  // through a fused activation. Not with a bias.
  const Tensor* gate = nullptr;
  // Also row_sums (M) = Σ_k A(m,k) (added with `accumulate`): a weight gradient's bias gradient.
  const Tensor* row_sums = nullptr;
  bool allow_vectorized = true;  // false forces the scalar kernel (tests compare the two)
  // f32 scratch of at least gemm_workspace_elements(M, N, K, profile) elements: lets the tiled
  // kernel split K (split_k_slices). Without it the product is never split.
  const Tensor* workspace = nullptr;
};

// scalar, vec4_k, vec4_n: a workgroup's rows share uniform loads, a lane gathers its columns
// (tuned on lavapipe, correct everywhere); tiled: 64×64 blocks through shared memory, for the
// GPU profile (shaders/gemm_tiled.comp).
enum class GemmKernel { scalar, vec4_k, vec4_n, tiled };

// Whether the tiled kernel reads A / B as vec4s along their contiguous dimensions.
struct TiledQuads {
  bool a = false, b = false;
};
TiledQuads tiled_quads(const GemmArgs& args);

// Which kernel gemm() would use for `args` in `profile`.
GemmKernel choose_gemm_kernel(const GemmArgs& args, const KernelProfile& profile);

// Slices of K the tiled kernel splits an M×N×K product into (1: not split): where the product
// has too few 64×64 blocks to fill a GPU (under 256) and K is long, each slice at least
// kSplitKMinimum of K, summed in a fixed order by a second pass. A weight gradient over a batch
// of 1024 (K) of the 784→400 layer: 91 blocks, 4 slices.
inline constexpr uint32_t kSplitKMinimum = 256;
uint32_t split_k_slices(uint32_t M, uint32_t N, uint32_t K, const KernelProfile& profile);
// The scratch a split product needs (0 when it is not split): the slices' partial products and
// row sums.
uint64_t gemm_workspace_elements(uint32_t M, uint32_t N, uint32_t K, const KernelProfile& profile);

// Throws a vkvae::Error naming `op` when the views fall outside their tensors.
void gemm(Encoder& enc, const GemmArgs& args, const std::string& op = "gemm");

}  // namespace vkvae::ops
