// The buckets a data-parallel step's gradients leave in: they cover the arena once, each ready
// when its last span is final, in the order they become ready.
#include "train/gradient_buckets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace vkvae::train {
namespace {

// Whether `buckets` cover [0, bytes) exactly once.
void expect_cover(std::vector<GradientBucket> buckets, uint64_t bytes) {
  std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
  uint64_t at = 0;
  for (const GradientBucket& b : buckets) {
    EXPECT_EQ(b.offset, at);
    EXPECT_GT(b.bytes, 0u);
    at = b.offset + b.bytes;
  }
  EXPECT_EQ(at, bytes);
}

TEST(GradientBuckets, NoTargetIsOneBucketReadyAtTheEnd) {
  const std::vector<graph::GradientSpan> spans{{0, 256, 9}, {256, 512, 3}};
  const auto buckets = plan_gradient_buckets(spans, 768, 12, 0);
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].offset, 0u);
  EXPECT_EQ(buckets[0].bytes, 768u);
  EXPECT_EQ(buckets[0].ready_level, 12u);
  const graph::LevelRange whole = part_levels(buckets, 0);
  EXPECT_EQ(whole.first, 0u);
  EXPECT_EQ(whole.end, UINT32_MAX);
  EXPECT_EQ(plan_gradient_buckets({}, 1024, 5, 1 << 20).size(), 1u);
}

TEST(GradientBuckets, TheLastLayersLeaveFirst) {
  // A backward pass finishes the spans at the arena's end first, as it does the last layers'.
  const std::vector<graph::GradientSpan> spans{{0, 256, 9}, {256, 512, 7}, {768, 256, 5}, {1024, 1024, 3}};
  const auto buckets = plan_gradient_buckets(spans, 2048, 11, 1000);
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].offset, 1024u);
  EXPECT_EQ(buckets[0].bytes, 1024u);
  EXPECT_EQ(buckets[0].ready_level, 4u);  // after level 3
  EXPECT_EQ(buckets[1].offset, 0u);
  EXPECT_EQ(buckets[1].bytes, 1024u);
  EXPECT_EQ(buckets[1].ready_level, 10u);  // after level 9, the latest of its spans
  const graph::LevelRange first = part_levels(buckets, 0), second = part_levels(buckets, 1);
  EXPECT_EQ(first.first, 0u);
  EXPECT_EQ(first.end, 4u);
  EXPECT_EQ(second.first, 4u);
  EXPECT_EQ(second.end, UINT32_MAX);  // the last part runs the program to its end
}

TEST(GradientBuckets, ATinyTargetGivesASpanABucketWithItsGap) {
  const std::vector<graph::GradientSpan> spans{{0, 100, 2}, {256, 100, 1}};
  const auto buckets = plan_gradient_buckets(spans, 512, 4, 1);
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].offset, 256u);  // the gap after it travels with it
  EXPECT_EQ(buckets[0].bytes, 256u);
  EXPECT_EQ(buckets[1].offset, 0u);
  EXPECT_EQ(buckets[1].bytes, 256u);
}

TEST(GradientBuckets, BucketsGoInTheOrderTheyAreReady) {
  // Spans finished from the arena's start: the buckets leave from the start.
  const std::vector<graph::GradientSpan> spans{{0, 256, 1}, {256, 256, 4}, {512, 256, 4}, {768, 256, 8}};
  const auto buckets = plan_gradient_buckets(spans, 1024, 10, 256);
  ASSERT_EQ(buckets.size(), 4u);
  for (std::size_t i = 0; i < buckets.size(); ++i) EXPECT_EQ(buckets[i].offset, 256 * i);
  // Two ready together: the second part records no level, only its bucket's staging.
  const graph::LevelRange empty = part_levels(buckets, 2);
  EXPECT_EQ(empty.first, 5u);
  EXPECT_EQ(empty.end, 5u);
}

TEST(GradientBuckets, AnyPlanCoversTheArenaOnceAndWaitsForItsSpans) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<graph::GradientSpan> spans;
    uint64_t at = 0;
    const int count = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < count; ++i) {
      const uint64_t bytes = 4 * (1 + rng() % 300);
      spans.push_back({at, bytes, static_cast<uint32_t>(rng() % 20)});
      at = (at + bytes + 255) / 256 * 256;
    }
    const uint64_t target = rng() % 3000;
    const auto buckets = plan_gradient_buckets(spans, at, 20, target);
    expect_cover(buckets, at);
    for (std::size_t i = 1; i < buckets.size(); ++i) EXPECT_LE(buckets[i - 1].ready_level, buckets[i].ready_level);
    for (const graph::GradientSpan& s : spans) {
      const auto home = std::find_if(buckets.begin(), buckets.end(), [&](const auto& b) { return b.offset <= s.offset && s.offset < b.offset + b.bytes; });
      ASSERT_NE(home, buckets.end());
      EXPECT_LE(s.offset + s.bytes, home->offset + home->bytes);  // a span is never cut
      EXPECT_GT(home->ready_level, s.last_level);
    }
  }
}

}  // namespace
}  // namespace vkvae::train
