#include "ops/data.hpp"

#include <algorithm>
#include <bit>
#include <numeric>
#include <vector>

#include "ops/random.hpp"

namespace vkvae::ops {
namespace {

constexpr uint32_t kLocal = 64;
constexpr uint32_t kItems = 4;

struct GatherPush {
  uint32_t rows, cols, n;
};

struct ImagesPush {
  uint32_t rows, cols, n, per_piece, first_row;
};

struct OneHotPush {
  uint32_t rows, cols, n, first_row;
};

// Checks the dataset-side tensors of a gather and returns N.
uint32_t expect_source(const std::string& op, const Tensor& source, const Tensor& order, const Tensor& cursor) {
  expect_shape(op, "source", source, source.shape, DType::u8);
  const int64_t n = source.shape[0];
  expect_positive(op, {n});
  expect_shape(op, "order", order, {n}, DType::u32);
  expect_shape(op, "cursor", cursor, {1}, DType::u32);
  return static_cast<uint32_t>(n);
}

uint32_t expect_elementwise(const std::string& op, const Tensor& y, const Tensor& x) {
  expect_positive(op, {y.numel()});
  expect_shape(op, "y", y, y.shape);
  expect_shape(op, "x", x, y.shape);
  return static_cast<uint32_t>(y.numel());
}

}  // namespace

void gather_images(Encoder& enc, const Tensor& x, const Tensor& images, const Tensor& order,
                   const Tensor& cursor, const Tensor& rng, bool binarize, uint32_t first_row) {
  const std::string op = "gather_images";
  if (images.shape.rank() != 2) op_error(op, "images must be (N, pixels), got " + images.shape.str());
  const uint32_t n = expect_source(op, images, order, cursor);
  if (x.shape.rank() != 2 || x.shape[1] != images.shape[1]) {
    op_error(op, "x " + x.shape.str() + " must be (batch, " + std::to_string(images.shape[1]) + ")");
  }
  expect_positive(op, {x.shape[0], x.shape[1]});
  if (x.shape[0] > n) op_error(op, "batch " + std::to_string(x.shape[0]) + " is larger than the dataset (" + std::to_string(n) + ")");
  expect_shape(op, "x", x, x.shape);
  expect_shape(op, "rng", rng, {4}, DType::u32);
  const auto d = static_cast<uint64_t>(images.shape[1]);
  const uint64_t per = images_per_piece(n, d, enc.max_binding_bytes(), enc.storage_offset_alignment());
  if (per == 0 || (n + per - 1) / per > kImagePieces) {
    op_error(op, "images of " + std::to_string(static_cast<uint64_t>(n) * d) + " bytes need more than " + std::to_string(kImagePieces) +
                     " bindings of at most " + std::to_string(enc.max_binding_bytes()) + " bytes; use fewer or smaller images");
  }
  std::vector<Tensor> bindings;
  for (uint64_t first = 0; first < n; first += per) {
    Tensor piece = images;
    piece.offset += first * d;
    piece.shape = {static_cast<int64_t>(std::min<uint64_t>(per, n - first)), images.shape[1]};
    bindings.push_back(piece);
  }
  while (bindings.size() < kImagePieces) bindings.push_back(bindings.front());
  for (const Tensor& t : {order, cursor, rng, x}) bindings.push_back(t);
  const ImagesPush push{static_cast<uint32_t>(x.shape[0]), static_cast<uint32_t>(x.shape[1]), n, static_cast<uint32_t>(per), first_row};
  const bool quads = push.cols % 4 == 0;  // whole words per row: 4 pixels an invocation
  const uint64_t invocations = uint64_t{push.rows} * push.cols / (quads ? 4 : 1);
  enc.dispatch({"gather_images", static_cast<uint32_t>(bindings.size()), sizeof(ImagesPush),
                {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, binarize), vk::SpecConstant::u32(2, quads)}},
               std::span<const Tensor>(bindings), push, vk::linear_groups(invocations, kLocal));
}

uint64_t images_per_piece(uint64_t count, uint64_t bytes_per_image, uint64_t max_binding_bytes, uint64_t alignment) {
  // Each piece starts on an offset the device binds and on a word: a whole number of those
  // alignments of images.
  alignment = std::lcm<uint64_t>(std::max<uint64_t>(alignment, 1), 4);
  uint64_t per = std::min<uint64_t>(count, max_binding_bytes / bytes_per_image);
  if (per < count) per -= per % (alignment / std::gcd(bytes_per_image, alignment));
  return per;
}

void gather_one_hot(Encoder& enc, const Tensor& y, const Tensor& labels, const Tensor& order,
                    const Tensor& cursor, uint32_t first_row) {
  const std::string op = "gather_one_hot";
  if (labels.shape.rank() != 1) op_error(op, "labels must be (N), got " + labels.shape.str());
  const uint32_t n = expect_source(op, labels, order, cursor);
  if (y.shape.rank() != 2) op_error(op, "y must be (batch, classes), got " + y.shape.str());
  expect_positive(op, {y.shape[0], y.shape[1]});
  if (y.shape[0] > n) op_error(op, "batch " + std::to_string(y.shape[0]) + " is larger than the dataset (" + std::to_string(n) + ")");
  expect_shape(op, "y", y, y.shape);
  const OneHotPush push{static_cast<uint32_t>(y.shape[0]), static_cast<uint32_t>(y.shape[1]), n, first_row};
  enc.dispatch({"gather_one_hot", 4, sizeof(OneHotPush), {vk::SpecConstant::u32(0, kLocal)}},
               {labels, order, cursor, y}, push, vk::linear_groups(uint64_t{push.rows} * push.cols, kLocal));
}

namespace {

GatherPush concat_dims(const std::string& op, const Tensor& out, const Tensor& a, const Tensor& b) {
  for (const Tensor* t : {&out, &a, &b}) {
    if (t->shape.rank() != 2) op_error(op, "tensors must be (batch, features), got " + t->shape.str());
  }
  expect_positive(op, {a.shape[0], a.shape[1], b.shape[1]});
  if (b.shape[0] != a.shape[0]) op_error(op, "a " + a.shape.str() + " and b " + b.shape.str() + " differ in batch");
  expect_shape(op, "a", a, a.shape);
  expect_shape(op, "b", b, b.shape);
  expect_shape(op, "out", out, {a.shape[0], a.shape[1] + b.shape[1]});
  return {static_cast<uint32_t>(a.shape[0]), static_cast<uint32_t>(a.shape[1]), static_cast<uint32_t>(b.shape[1])};
}

}  // namespace

void concat_features(Encoder& enc, const Tensor& out, const Tensor& a, const Tensor& b) {
  const GatherPush d = concat_dims("concat_features", out, a, b);
  enc.dispatch({"concat_features", 3, sizeof(GatherPush), {vk::SpecConstant::u32(0, kLocal)}}, {a, b, out}, d,
               vk::linear_groups(uint64_t{d.rows} * (d.cols + d.n), kLocal));
}

void slice_columns(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t first, bool accumulate) {
  const std::string op = "slice_columns";
  if (x.shape.rank() != 2 || y.shape.rank() != 2) op_error(op, "x and y must be (batch, features)");
  expect_positive(op, {x.shape[0], x.shape[1], y.shape[1]});
  if (y.shape[0] != x.shape[0] || first + y.shape[1] > x.shape[1]) {
    op_error(op, "columns [" + std::to_string(first) + ", +" + std::to_string(y.shape[1]) + ") of x " + x.shape.str() +
                     " do not fit y " + y.shape.str());
  }
  expect_shape(op, "x", x, x.shape);
  expect_shape(op, "y", y, y.shape);
  struct Push {
    uint32_t rows, D, first, W;
  };
  const Push push{static_cast<uint32_t>(x.shape[0]), static_cast<uint32_t>(x.shape[1]), first, static_cast<uint32_t>(y.shape[1])};
  enc.dispatch({"slice_columns", 2, sizeof(Push), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, accumulate)}},
               {x, y}, push, vk::linear_groups(uint64_t{push.rows} * push.W, kLocal));
}

void advance_counters(Encoder& enc, const Tensor& step, const Tensor& rng, const Tensor& cursor, uint32_t batch) {
  const std::string op = "advance_counters";
  expect_shape(op, "step", step, {1}, DType::u32);
  expect_shape(op, "rng", rng, {4}, DType::u32);
  expect_shape(op, "cursor", cursor, {1}, DType::u32);
  enc.dispatch({"advance_counters", 3, 4, {}}, {step, rng, cursor}, batch, {1});
}

void fill(Encoder& enc, const Tensor& y, float value) {
  const std::string op = "fill";
  expect_positive(op, {y.numel()});
  expect_shape(op, "y", y, y.shape);
  const uint32_t n = static_cast<uint32_t>(y.numel());
  struct Push {
    uint32_t n, bits;
  };
  enc.dispatch({"fill", 1, sizeof(Push), {vk::SpecConstant::u32(0, kLocal)}}, {y},
               Push{n, std::bit_cast<uint32_t>(value)}, vk::linear_groups(n, kLocal));
}

namespace {

// y = alpha·x (scale.comp) or y += alpha·x (axpy.comp): same bindings, same push constants.
void dispatch_scaled(Encoder& enc, const char* shader, const Tensor& y, const Tensor& x, float alpha) {
  const uint32_t n = expect_elementwise(shader, y, x);
  struct Push {
    uint32_t n;
    float alpha;
  };
  enc.dispatch({shader, 2, sizeof(Push), {vk::SpecConstant::u32(0, kLocal), vk::SpecConstant::u32(1, kItems)}},
               {x, y}, Push{n, alpha}, vk::linear_groups(n, kLocal * kItems));
}

}  // namespace

void scale(Encoder& enc, const Tensor& y, const Tensor& x, float alpha) { dispatch_scaled(enc, "scale", y, x, alpha); }

void axpy(Encoder& enc, const Tensor& y, float alpha, const Tensor& x) { dispatch_scaled(enc, "axpy", y, x, alpha); }

}  // namespace vkvae::ops
