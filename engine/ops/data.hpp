// Data ops: batches gathered on the GPU from a device-resident uint8 dataset, one-hot labels,
// feature concatenation (and its backward), and fill / copy / scale / axpy.
#pragma once

#include "ops/encoder.hpp"

namespace vkvae::ops {

// How many images a piece of a data set bound in pieces holds: as many of `bytes_per_image` as
// one binding spans, a whole number of `alignment`s apart (0: not even one fits).
uint64_t images_per_piece(uint64_t count, uint64_t bytes_per_image, uint64_t max_binding_bytes, uint64_t alignment);
// The most pieces gather_images binds: data sets up to 8 storage-buffer ranges.
inline constexpr uint64_t kImagePieces = 8;

// images (N, D) u8, order (N) u32 (a permutation), cursor (1) u32, rng (4) u32 → x (B, D):
// row b = image order[(cursor + first_row + b) mod N] / 255, or with `binarize` 1 where a uniform
// draw is below that intensity (RngStream::binarize, element (first_row + b)·D + d) and 0
// elsewhere. `first_row`: where the batch starts in a larger batch it is a shard of, so that a
// shard gathers and draws exactly the rows of the whole batch it stands for.
void gather_images(Encoder& enc, const Tensor& x, const Tensor& images, const Tensor& order,
                   const Tensor& cursor, const Tensor& rng, bool binarize, uint32_t first_row = 0);
// labels (N) u8, order, cursor → y (B, K): one-hot rows; labels ≥ K give all-zero rows.
void gather_one_hot(Encoder& enc, const Tensor& y, const Tensor& labels, const Tensor& order,
                    const Tensor& cursor, uint32_t first_row = 0);

// a (B, Da), b (B, Db) → out (B, Da + Db); the backward is slice_columns, once per side.
void concat_features(Encoder& enc, const Tensor& out, const Tensor& a, const Tensor& b);

// x (B, D) → y (B, W) = columns [first, first + W) of x (or y += … with accumulate).
void slice_columns(Encoder& enc, const Tensor& y, const Tensor& x, uint32_t first, bool accumulate = false);

// step (1) u32 += 1, rng (4) u32's 64-bit step += 1, cursor (1) u32 += batch.
void advance_counters(Encoder& enc, const Tensor& step, const Tensor& rng, const Tensor& cursor, uint32_t batch);

void fill(Encoder& enc, const Tensor& y, float value);
// y = alpha·x; x may be y itself (in-place scaling).
void scale(Encoder& enc, const Tensor& y, const Tensor& x, float alpha = 1.0f);
// y += alpha·x
void axpy(Encoder& enc, const Tensor& y, float alpha, const Tensor& x);

}  // namespace vkvae::ops
