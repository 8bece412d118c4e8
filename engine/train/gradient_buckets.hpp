// The gradient arena in buckets, for overlapping the exchange of a data-parallel step with its
// backward pass (as DDP does): the backward pass finishes the last layers' gradients first, so a
// bucket of them can be on its way to the other replicas while the device still computes the
// first layers'. A bucket is a stretch of the arena whose spans are all final once the program
// has run to some level; the step records its program in parts that end at those levels.
// Pure logic: tested on any machine.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/program.hpp"

namespace vkvae::train {

// What a bucket is by default: DDP's first bucket is 1 MB too, and a bucket a part costs a
// submit and a wait a replica, tens of microseconds on a GPU.
constexpr uint64_t kDefaultBucketBytes = uint64_t{1} << 20;

struct GradientBucket {
  uint64_t offset = 0, bytes = 0;  // a stretch of the gradient arena (alignment gaps included)
  uint32_t ready_level = 0;        // final once levels [0, ready_level) have run
};

// Buckets covering [0, arena_bytes) once, in the order they are ready (in arena order among those
// ready together): from the arena's end down, spans are gathered until a bucket holds at least
// `target_bytes`. `target_bytes` 0, or no spans: one bucket, ready after all `levels`.
std::vector<GradientBucket> plan_gradient_buckets(const std::vector<graph::GradientSpan>& spans, uint64_t arena_bytes,
                                                  uint32_t levels, uint64_t target_bytes);

// The levels the part that ends with bucket `index` records: from the previous bucket's ready
// level to its own (the last part to the program's end).
graph::LevelRange part_levels(const std::vector<GradientBucket>& buckets, std::size_t index);

}  // namespace vkvae::train
