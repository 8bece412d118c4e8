#include "train/data_residency.hpp"

#include <algorithm>
#include <numeric>

#include "ops/data.hpp"
#include "ops/encoder.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace vkvae::train {
namespace {

// The pieces `rows` images take when bound, or 0 when more than the gather binds.
uint64_t pieces_for(const ResidencyLimits& limits, int64_t rows, uint64_t image_bytes) {
  const auto n = static_cast<uint64_t>(rows);
  const uint64_t per = ops::images_per_piece(n, image_bytes, limits.binding_bytes, limits.offset_alignment);
  if (per == 0) return 0;
  const uint64_t pieces = (n + per - 1) / per;
  return pieces <= ops::kImagePieces ? pieces : 0;
}

std::string split_note(const char* what, const SplitResidency& r, int64_t count, uint64_t image_bytes, int64_t batch,
                       const ResidencyLimits& limits) {
  const std::string bytes = format_bytes(static_cast<uint64_t>(count) * image_bytes);
  if (!r.streamed) {
    return std::string(what) + " (" + bytes + ") bound in " + std::to_string(r.pieces) + " pieces (one binding spans at most " +
           format_bytes(limits.binding_bytes) + " here)";
  }
  const uint64_t ring = static_cast<uint64_t>(r.rows) * image_bytes;
  return std::string(what) + " (" + bytes + ") streamed from host memory through a ring of 2 × " + std::to_string(r.batches_per_half) +
         " batches of " + std::to_string(batch) + " (" + format_bytes(ring) + ") on the device";
}

}  // namespace

ResidencyLimits ResidencyLimits::of(const vk::DeviceInfo& info) {
  ResidencyLimits l;
  l.binding_bytes = ops::max_binding_bytes(info);
  l.offset_alignment = std::max<uint64_t>(info.min_storage_buffer_offset_alignment, 1);
  l.data_bytes = info.device_local_bytes / 2;
  l.allocation_bytes = info.max_memory_allocation_size;
  return l;
}

ResidencyLimits ResidencyLimits::within(const ResidencyLimits& other) const {
  const auto smaller_known = [](uint64_t a, uint64_t b) { return a == 0 ? b : b == 0 ? a : std::min(a, b); };  // 0: no limit known
  return {std::min(binding_bytes, other.binding_bytes), std::lcm(std::max<uint64_t>(offset_alignment, 1), std::max<uint64_t>(other.offset_alignment, 1)),
          std::min(data_bytes, other.data_bytes), smaller_known(allocation_bytes, other.allocation_bytes)};
}

SplitResidency plan_split(const ResidencyLimits& limits, int64_t count, uint64_t image_bytes, int64_t batch, int64_t max_batches,
                          uint64_t budget) {
  SplitResidency r;
  const uint64_t bytes = static_cast<uint64_t>(count) * image_bytes;
  const bool allocatable = limits.allocation_bytes == 0 || bytes <= limits.allocation_bytes;
  if (const uint64_t pieces = pieces_for(limits, count, image_bytes); pieces != 0 && bytes <= budget && allocatable) {
    r.rows = count;
    r.pieces = pieces;
    return r;
  }
  // The largest ring that binds, fits the budget and kRingBytes; one batch a half at least.
  r.streamed = true;
  for (int64_t k = std::max<int64_t>(max_batches, 1); k >= 1; --k) {
    const int64_t rows = 2 * k * batch;
    const uint64_t ring = static_cast<uint64_t>(rows) * image_bytes;
    const uint64_t pieces = pieces_for(limits, rows, image_bytes);
    if (pieces == 0 || (k > 1 && (ring > kRingBytes || ring > budget))) continue;
    r.rows = rows;
    r.batches_per_half = k;
    r.pieces = pieces;
    break;
  }
  return r;
}

DataResidency plan_data(const ResidencyLimits& limits, const std::string& where, uint64_t image_bytes, int64_t train_count,
                        int64_t batch, int64_t steps_per_submit, int64_t test_count, int64_t eval_batch, int64_t eval_batches_per_submit) {
  const auto refuse = [&](const std::string& what, int64_t rows) {
    throw UsageError(where + ": a ring of two " + what + " (" + format_bytes(static_cast<uint64_t>(rows) * image_bytes) +
                     ") does not fit the " + std::to_string(ops::kImagePieces) + " bindings of at most " +
                     format_bytes(limits.binding_bytes) + " this device has; use a smaller --batch, --image-size or --channels 1");
  };
  DataResidency d;
  d.train = plan_split(limits, train_count, image_bytes, batch, steps_per_submit, limits.data_bytes);
  if (d.train.rows == 0) refuse("batches of " + std::to_string(batch) + " images", 2 * batch);
  const uint64_t used = static_cast<uint64_t>(d.train.rows) * image_bytes;
  if (test_count > 0) {
    d.test = plan_split(limits, test_count, image_bytes, eval_batch, eval_batches_per_submit, limits.data_bytes - std::min(used, limits.data_bytes));
    if (d.test.rows == 0) refuse("test batches of " + std::to_string(eval_batch) + " images", 2 * eval_batch);
  }
  std::string notes;
  const auto add = [&](const char* what, const SplitResidency& r, int64_t count, int64_t split_batch) {
    if (!r.streamed && r.pieces == 1) return;
    notes += (notes.empty() ? "data: " : "; ") + split_note(what, r, count, image_bytes, split_batch, limits);
  };
  add("training images", d.train, train_count, batch);
  if (test_count > 0) add("test images", d.test, test_count, eval_batch);
  if (d.train.streamed || d.test.streamed) {
    notes += " (this device keeps " + format_bytes(limits.data_bytes) + " for data and binds " + std::to_string(ops::kImagePieces) + " × " +
             format_bytes(limits.binding_bytes) + ")";
  }
  d.note = notes;
  return d;
}

}  // namespace vkvae::train
