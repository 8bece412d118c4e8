#include "train/gradient_buckets.hpp"

#include <algorithm>

namespace vkvae::train {

std::vector<GradientBucket> plan_gradient_buckets(const std::vector<graph::GradientSpan>& spans, uint64_t arena_bytes,
                                                  uint32_t levels, uint64_t target_bytes) {
  if (target_bytes == 0 || spans.empty()) return {{0, arena_bytes, levels}};
  std::vector<graph::GradientSpan> by_offset = spans;
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) { return a.offset > b.offset; });
  std::vector<GradientBucket> buckets;
  uint64_t end = arena_bytes;
  uint32_t ready = 0;
  for (std::size_t i = 0; i < by_offset.size(); ++i) {
    ready = std::max(ready, by_offset[i].last_level + 1);
    const bool last = i + 1 == by_offset.size();
    if (last || end - by_offset[i].offset >= target_bytes) {
      const uint64_t start = last ? 0 : by_offset[i].offset;
      buckets.push_back({start, end - start, ready});
      end = start;
      ready = 0;
    }
  }
  std::stable_sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) {
    return a.ready_level != b.ready_level ? a.ready_level < b.ready_level : a.offset < b.offset;
  });
  return buckets;
}

graph::LevelRange part_levels(const std::vector<GradientBucket>& buckets, std::size_t index) {
  const uint32_t first = index == 0 ? 0 : buckets[index - 1].ready_level;
  return {first, index + 1 == buckets.size() ? UINT32_MAX : buckets[index].ready_level};
}

}  // namespace vkvae::train
