// A split streamed from host memory (train/data_residency.hpp): its images, and labels where the
// model reads them, reach the device through a ring of two halves. The host fills a half's
// staging memory with the images of the submit that will read them, the submit first copies
// them into the device ring, and its gathers read the ring in order — while the device works
// on one half, the host stages the other. The gather itself is unchanged: the ring is the
// "dataset" it reads, in identity order, and its cursor runs round the ring.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "data/idx.hpp"
#include "ops/tensor.hpp"
#include "vk/context.hpp"

namespace vkvae::train {

class DataStream {
 public:
  // `images` (2·half_rows, D) u8 and `labels` (2·half_rows) u8 (or no buffer: a model without
  // labels) are the ring on the device.
  DataStream(vk::Context& context, const data::Dataset& data, const ops::Tensor& images, const ops::Tensor& labels, int64_t half_rows);

  int64_t half_rows() const { return half_rows_; }
  // Stages the images `order[first + i]` (i < count, positions wrapping round the split) or,
  // with an empty order, images first + i, into half `half`'s staging memory. The host must
  // know that no submit still reads that half.
  void stage(int half, std::span<const uint32_t> order, int64_t first, int64_t count);
  // Records the copy of half `half` from staging into the device ring, and the barrier that
  // makes it visible to the gathers after it.
  void record_load(vk::CommandBuffer& commands, int half) const;

 private:
  const data::Dataset& data_;
  ops::Tensor images_, labels_;
  int64_t half_rows_, image_bytes_;
  std::unique_ptr<vk::Buffer> staging_;  // [images half 0 | half 1 | labels half 0 | half 1]
};

}  // namespace vkvae::train
