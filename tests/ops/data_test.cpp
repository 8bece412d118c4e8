// Batch gathering from a uint8 dataset (with wrap-around and dynamic binarization), one-hot
// labels, feature concatenation and its split, fill/scale/axpy, and the image grid.
#include <algorithm>
#include <cstdlib>
#include <bit>
#include <numeric>
#include <random>

#include "ops/data.hpp"
#include "ops/optimizer.hpp"
#include "ops/image.hpp"
#include "ops/op_harness.hpp"
#include "ops/random.hpp"

namespace vkvae::test {
namespace {

Values permutation(int n, uint32_t seed) {
  std::vector<int> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), std::mt19937(seed));
  return Values(p.begin(), p.end());
}

const Values kRng = {12345, 0, 17, 0};  // seed 12345, step 17

// `max_binding`: bytes one binding may span (VKVAE_MAX_BINDING_BYTES), so that the images are
// bound in pieces; 0: the device's range. `first`: the batch is a shard of a larger one, from
// its row `first`.
OpCase gather_case(int N, int D, int B, int cursor, bool binarize, int max_binding = 0, int first = 0) {
  OpCase c;
  c.name = "gather images N" + std::to_string(N) + " D" + std::to_string(D) + " B" + std::to_string(B) +
           " cursor" + std::to_string(cursor) + (binarize ? " binarize" : "") +
           (max_binding ? " in pieces of " + std::to_string(max_binding) + " bytes" : "") +
           (first ? " shard from row " + std::to_string(first) : "");
  c.inputs = {{{N, D}, 0, 256, ops::DType::u8},
              {{N}, 0, 0, ops::DType::u32, permutation(N, 5)},
              {{1}, 0, 0, ops::DType::u32, {static_cast<double>(cursor)}},
              {{4}, 0, 0, ops::DType::u32, kRng}};
  c.outputs = {{B, D}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    if (max_binding) setenv("VKVAE_MAX_BINDING_BYTES", std::to_string(max_binding).c_str(), 1);
    ops::gather_images(enc, out[0], in[0], in[1], in[2], in[3], binarize, static_cast<uint32_t>(first));
    unsetenv("VKVAE_MAX_BINDING_BYTES");
  };
  c.cpu = [=](const std::vector<Values>& in) {
    const ops::RngState state{12345, 0, 17, 0};
    Values x(static_cast<std::size_t>(B) * D);
    for (int b = 0; b < B; ++b) {
      const int image = static_cast<int>(in[1][(cursor + first + b) % N]);
      for (int d = 0; d < D; ++d) {
        const auto i = static_cast<uint32_t>((first + b) * D + d);  // the whole batch's element
        const auto at = static_cast<std::size_t>(b * D + d);
        // The intensity exactly as the shader computes it in float.
        const float value = static_cast<float>(in[0][image * D + d]) * (1.0f / 255.0f);
        x[at] = binarize ? (ops::standard_uniform(state, ops::RngStream::binarize, i) < value ? 1.0 : 0.0)
                         : static_cast<double>(value);
      }
    }
    return std::vector<Values>{x};
  };
  c.atol = c.rtol = 0;  // exact
  return c;
}

OpCase one_hot_case(int N, int B, int K, int cursor, int first = 0) {
  OpCase c;
  c.name = "one hot N" + std::to_string(N) + " B" + std::to_string(B) + " K" + std::to_string(K) +
           (first ? " shard from row " + std::to_string(first) : "");
  c.inputs = {{{N}, 0, K + 2.0, ops::DType::u8},  // some labels out of range: all-zero rows
              {{N}, 0, 0, ops::DType::u32, permutation(N, 9)},
              {{1}, 0, 0, ops::DType::u32, {static_cast<double>(cursor)}}};
  c.outputs = {{B, K}};
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::gather_one_hot(enc, out[0], in[0], in[1], in[2], static_cast<uint32_t>(first));
  };
  c.cpu = [=](const std::vector<Values>& in) {
    Values y(static_cast<std::size_t>(B) * K, 0.0);
    for (int b = 0; b < B; ++b) {
      const int label = static_cast<int>(in[0][static_cast<std::size_t>(in[1][(cursor + first + b) % N])]);
      if (label < K) y[b * K + label] = 1.0;
    }
    return std::vector<Values>{y};
  };
  c.atol = c.rtol = 0;
  return c;
}

OpCase concat_case(int B, int da, int db, bool accumulate) {
  OpCase c;
  c.name = "concat " + std::to_string(B) + "x" + std::to_string(da) + "+" + std::to_string(db) + (accumulate ? " accumulate" : "");
  c.inputs = {{{B, da}}, {{B, db}}, {{B, da + db}}};  // a, b, dout
  c.outputs = {{B, da + db}, {B, da}, {B, db}};       // out, da, db
  if (accumulate) c.initial_output = [](std::size_t o, std::size_t n) { return Values(n, o == 0 ? 0.0 : 2.0); };
  c.gpu = [=](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::concat_features(enc, out[0], in[0], in[1]);
    ops::slice_columns(enc, out[1], in[2], 0, accumulate);
    ops::slice_columns(enc, out[2], in[2], static_cast<uint32_t>(da), accumulate);
  };
  c.cpu = [=](const std::vector<Values>& in) {
    Values out(static_cast<std::size_t>(B) * (da + db)), ga(in[0].size()), gb(in[1].size());
    const double base = accumulate ? 2.0 : 0.0;
    for (int r = 0; r < B; ++r) {
      for (int j = 0; j < da + db; ++j) {
        const std::size_t i = static_cast<std::size_t>(r * (da + db) + j);
        if (j < da) {
          out[i] = in[0][r * da + j];
          ga[r * da + j] = base + in[2][i];
        } else {
          out[i] = in[1][r * db + j - da];
          gb[r * db + j - da] = base + in[2][i];
        }
      }
    }
    return std::vector<Values>{out, ga, gb};
  };
  c.atol = 0;
  c.rtol = accumulate ? 1.2e-7 : 0.0;  // one float rounding of the sum, else exact copies
  return c;
}

OpCase elementwise_case(int n) {
  OpCase c;
  c.name = "fill scale axpy n" + std::to_string(n);
  c.inputs = {{{n}}};
  c.outputs = {{n}, {n}, {n}};
  c.gpu = [](ops::Encoder& enc, const std::vector<ops::Tensor>& in, const std::vector<ops::Tensor>& out) {
    ops::fill(enc, out[0], -2.5f);
    ops::scale(enc, out[1], in[0], 3.0f);
    ops::fill(enc, out[2], 1.0f);
    enc.barrier();
    ops::axpy(enc, out[2], 0.5f, in[0]);
    ops::scale(enc, out[1], out[1], -1.0f);  // in place, after the barrier above
  };
  c.cpu = [](const std::vector<Values>& in) {
    Values f(in[0].size(), -2.5), s(in[0].size()), a(in[0].size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      s[i] = -static_cast<double>(3.0f * static_cast<float>(in[0][i]));
      a[i] = 1.0 + 0.5 * in[0][i];
    }
    return std::vector<Values>{f, s, a};
  };
  c.atol = 1e-7;
  c.rtol = 1e-7;
  return c;
}

std::vector<OpCase> data_cases() {
  return {gather_case(37, 13, 11, 30, false), gather_case(37, 13, 11, 30, true), gather_case(5, 784, 5, 0, true),
          // Bound in 5 and in 8 pieces (the most), odd and word-multiple rows, batches across pieces.
          gather_case(300, 13, 67, 250, false, 1024), gather_case(200, 20, 150, 10, true, 600),
          gather_case(300, 784, 67, 299, false), gather_case(37, 13, 11, 30, true, 0, 22), gather_case(40, 16, 8, 35, true, 0, 8),
          one_hot_case(37, 11, 10, 33), one_hot_case(3, 1, 1, 2), one_hot_case(37, 11, 10, 33, 11),
          concat_case(1, 1, 1, false), concat_case(67, 784, 10, false), concat_case(3, 20, 10, true),
          elementwise_case(1), elementwise_case(1001)};
}

INSTANTIATE_TEST_SUITE_P(Data, OpTable, ::testing::ValuesIn(data_cases()), CaseName());

class ImageGrid : public VulkanTest {};

// torchvision's make_grid + save_image, computed by hand for (B, C, H, W) images.
std::vector<uint32_t> reference_grid(const std::vector<float>& images, int B, int C, int H, int W,
                                     const ops::GridLayout& layout, bool sigmoid) {
  const ops::GridSize size = ops::grid_size(static_cast<uint32_t>(B), static_cast<uint32_t>(H), static_cast<uint32_t>(W), layout);
  std::vector<uint32_t> grid(static_cast<std::size_t>(size.width) * size.height, 0xFF000000u);
  const int pad = static_cast<int>(layout.padding), nrow = static_cast<int>(layout.nrow);
  for (int b = 0; b < B; ++b) {
    const int top = (b / nrow) * (H + pad) + pad, left = (b % nrow) * (W + pad) + pad;
    for (int y = 0; y < H; ++y) {
      for (int x = 0; x < W; ++x) {
        uint32_t pixel = 0xFF000000u;
        for (int ch = 0; ch < 3; ++ch) {
          float v = images[((b * C + std::min(ch, C - 1)) * H + y) * W + x];
          if (sigmoid) v = 1.0f / (1.0f + std::exp(-v));
          const auto byte = static_cast<uint32_t>(std::clamp(v * 255.0f + 0.5f, 0.0f, 255.0f));
          pixel |= byte << (8 * ch);
        }
        grid[static_cast<std::size_t>(top + y) * size.width + static_cast<std::size_t>(left + x)] = pixel;
      }
    }
  }
  return grid;
}

TEST(ImagePieces, HoldAsManyImagesAsOneBindingSpansAtBindableOffsets) {
  EXPECT_EQ(ops::images_per_piece(100, 784, 1u << 30, 256), 100u);        // one piece: all of them
  EXPECT_EQ(ops::images_per_piece(300, 13, 1024, 16), 64u);                 // 78 fit; 16 apart
  EXPECT_EQ(ops::images_per_piece(200, 20, 600, 16), 28u);                  // 30 fit; 4 apart
  EXPECT_EQ(ops::images_per_piece(10, 4096, 1000, 16), 0u);                 // not one fits
  // 200 000 colour images of 64×64 within 128 MiB ranges: 12 288 bytes each, 10 922 a piece.
  EXPECT_EQ(ops::images_per_piece(200000, 12288, 134217728, 16), 10922u);
}

TEST_F(ImageGrid, MatchesTorchvisionLayoutForGreyAndColour) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  struct Shape { int B, C, H, W; uint32_t nrow, pad; bool sigmoid; };
  for (const Shape s : {Shape{11, 1, 5, 3, 4, 2, true}, Shape{64, 1, 28, 28, 8, 2, true}, Shape{3, 3, 4, 6, 8, 1, false},
                        Shape{1, 1, 1, 1, 8, 0, false}}) {
    const ops::GridLayout layout{s.nrow, s.pad};
    const std::vector<float> images = random_floats(static_cast<std::size_t>(s.B * s.C * s.H * s.W), 3, s.sigmoid ? -6 : -0.2, s.sigmoid ? 6 : 1.2);
    const ops::Tensor in = store.upload({s.B, s.C, s.H, s.W}, images);
    const ops::GridSize size = ops::grid_size(static_cast<uint32_t>(s.B), static_cast<uint32_t>(s.H), static_cast<uint32_t>(s.W), layout);
    const ops::Tensor grid = store.make({int64_t{size.width} * size.height}, ops::DType::u32);
    run_recorded(context(), kernels, [&](ops::Encoder& enc) { ops::image_grid(enc, grid, in, layout, s.sigmoid); });
    const auto got = context().download<uint32_t>(*grid.buffer, static_cast<std::size_t>(size.width) * size.height);
    const auto want = reference_grid(images, s.B, s.C, s.H, s.W, layout, s.sigmoid);
    std::size_t off_by_more_than_one = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      for (int ch = 0; ch < 4; ++ch) {
        const int a = static_cast<int>((got[i] >> (8 * ch)) & 0xFF), b = static_cast<int>((want[i] >> (8 * ch)) & 0xFF);
        off_by_more_than_one += std::abs(a - b) > 1;  // exp() may differ by an ulp: a rounding step
      }
    }
    EXPECT_EQ(off_by_more_than_one, 0u) << "B" << s.B << " C" << s.C;
  }
  EXPECT_EQ(ops::grid_size(64, 28, 28, {}).width, 242u);  // torchvision: 8·(28+2)+2
  EXPECT_EQ(ops::grid_size(64, 28, 28, {}).height, 242u);
}

// Jobs of more workgroups than a device must allow in one dimension (65535) are laid over two
// (vk::linear_groups): every element is reached, the first and the last row of workgroups alike.
class LargeJobs : public VulkanTest {};

TEST_F(LargeJobs, ReachEveryElementPastTheOneDimensionalWorkgroupLimit) {
  ops::Kernels kernels(context());
  TensorStore store(context());
  EXPECT_EQ(vk::linear_groups(100, 64).y, 1u);
  const vk::Groups spread = vk::linear_groups(uint64_t{65535} * 256 + 1, 256);
  EXPECT_EQ(spread.x, 65535u);
  EXPECT_EQ(spread.y, 2u);

  // Adam over 16.8 M parameters: the arena of a 784-16384-20 MLP VAE, which once failed here.
  const int64_t n = int64_t{65535} * 256 + 77;
  const ops::Tensor p = store.upload({n}, std::vector<float>(static_cast<std::size_t>(n), 1.0f));
  const ops::Tensor g = store.upload({n}, std::vector<float>(static_cast<std::size_t>(n), 0.5f));
  const ops::Tensor m = store.make({n}), v = store.make({n}), x = store.make({n});
  ops::OptimizerHyper h;
  const ops::Tensor hyper = store.upload({8}, std::vector<float>{h.lr, h.beta1, h.beta2, h.eps, 0, 0, 0, 0});
  const ops::Tensor step = store.make({1}, ops::DType::u32), flag = store.make({1}, ops::DType::u32), norm = store.make({1});
  context().upload(*step.buffer, std::span<const uint32_t>(std::vector<uint32_t>{1}));
  context().upload(*flag.buffer, std::span<const uint32_t>(std::vector<uint32_t>{0}));
  run_recorded(context(), kernels, [&](ops::Encoder& enc) {
    ops::fill(enc, m, 0.0f);
    ops::fill(enc, v, 0.0f);
    ops::fill(enc, x, 3.0f);
    enc.barrier();
    ops::optimizer_step(enc, ops::OptimizerKind::adam, {p, g, m, v, hyper, step, norm, flag});
    ops::scale(enc, x, x, 2.0f);
  });
  // The first Adam step moves every weight by lr (m / √v = 1 after bias correction).
  const std::vector<float> params = store.download(p), scaled = store.download(x);
  const float moved = 1.0f - h.lr * 0.5f / (0.5f + h.eps);
  for (std::size_t i = 0; i < params.size(); ++i) {
    ASSERT_NEAR(params[i], moved, 1e-6f) << "weight " << i;
    ASSERT_EQ(scaled[i], 6.0f) << "element " << i;
  }
}

}  // namespace
}  // namespace vkvae::test
