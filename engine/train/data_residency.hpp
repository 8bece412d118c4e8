// Where a run's images live on the device: the whole split, bound in one piece or in up to
// ops::kImagePieces windows of its buffer; or, when it does not fit the device's memory or those
// windows, a ring of two halves that the host refills from host memory while the device trains
// on the other half (train/data_stream.hpp). Chosen per split, before anything runs, and said in
// the run's log.
#pragma once

#include <cstdint>
#include <string>

#include "vk/device_info.hpp"

namespace vkvae::train {

// What the choice depends on.
struct ResidencyLimits {
  uint64_t binding_bytes = 0;     // one storage binding's span (ops::max_binding_bytes)
  uint64_t offset_alignment = 1;  // where a binding may start
  uint64_t data_bytes = 0;        // device memory the data sets may take together
  uint64_t allocation_bytes = 0;  // the largest single allocation (0: no limit known)
  // The device's: data may take half the largest device-local heap, leaving the rest for the
  // model, its activations and whatever else shares the device.
  static ResidencyLimits of(const vk::DeviceInfo& info);
  // The limits of both this device and `other` (every replica of a run holds the same data).
  ResidencyLimits within(const ResidencyLimits& other) const;
};

struct SplitResidency {
  bool streamed = false;
  int64_t rows = 0;               // rows on the device: the split's images, or the ring's two halves
  int64_t batches_per_half = 0;   // streamed: batches a half of the ring holds
  uint64_t pieces = 1;            // bindings the gather spans those rows with
  int64_t half_rows(int64_t batch) const { return batches_per_half * batch; }
};

// A ring holds at most this many bytes (both halves), so that streaming stays a small
// footprint; a half always holds at least one batch.
inline constexpr uint64_t kRingBytes = uint64_t{64} << 20;

// `count` images of `image_bytes` in batches of `batch`, a ring half holding at most
// `max_batches` of them; `budget` is the device memory left for this split. Streamed.rows == 0
// when not even a ring of two batches can be bound.
SplitResidency plan_split(const ResidencyLimits& limits, int64_t count, uint64_t image_bytes, int64_t batch, int64_t max_batches,
                          uint64_t budget);

struct DataResidency {
  SplitResidency train, test;
  std::string note;  // for the log; empty when both splits are bound whole
};

// Both splits: the training set first, the test set with what memory is left. Throws
// UsageError naming `where` (the --data flag) and --batch when a split cannot be bound even as
// a ring. `test_count` 0: no test set.
DataResidency plan_data(const ResidencyLimits& limits, const std::string& where, uint64_t image_bytes, int64_t train_count,
                        int64_t batch, int64_t steps_per_submit, int64_t test_count, int64_t eval_batch, int64_t eval_batches_per_submit);

}  // namespace vkvae::train
