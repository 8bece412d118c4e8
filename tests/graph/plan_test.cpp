// Liveness, memory planning and barrier placement: each hazard kind on hand-made programs, no
// barrier where none is needed, and randomized programs checked for live overlaps and
// unordered hazards. No GPU needed.
#include <gtest/gtest.h>

#include <random>

#include "graph/plan.hpp"

namespace vkvae::graph {
namespace {

// Tensors that never alias: tensor i at [i·1024, +1024).
std::vector<Range> separate(std::size_t n) {
  std::vector<Range> r(n);
  for (std::size_t i = 0; i < n; ++i) r[i] = {i * 1024, 1024};
  return r;
}

Schedule check(const std::vector<Step>& steps, const std::vector<Range>& ranges) {
  Schedule s = schedule_steps(steps, ranges);
  EXPECT_EQ(find_unordered_hazard(steps, ranges, s), "");
  return s;
}

TEST(Barriers, ReadAfterWrite) {
  const Schedule s = check({{{}, {0}}, {{0}, {1}}}, separate(2));
  EXPECT_EQ(s.barrier_before, (std::vector<uint32_t>{1}));
}

TEST(Barriers, WriteAfterRead) {
  const Schedule s = check({{{0}, {1}}, {{}, {0}}}, separate(2));
  EXPECT_EQ(s.barrier_before.size(), 1u);
}

TEST(Barriers, WriteAfterWrite) {
  const Schedule s = check({{{}, {0}}, {{}, {0}}}, separate(1));
  EXPECT_EQ(s.barrier_before.size(), 1u);
}

TEST(Barriers, NoneBetweenIndependentStepsOrBetweenReads) {
  // Two writers of different tensors, then two readers of the same tensor: one barrier.
  const Schedule s = check({{{}, {0}}, {{}, {1}}, {{0, 1}, {2}}, {{0, 1}, {3}}}, separate(4));
  EXPECT_EQ(s.levels, 2u);
  EXPECT_EQ(s.barrier_before, (std::vector<uint32_t>{2}));
}

TEST(Barriers, AccumulationIsAReadAndAWrite) {
  // dW += a, then dW += b: the second must wait for the first.
  const Schedule s = check({{{0, 2}, {2}}, {{1, 2}, {2}}}, separate(3));
  EXPECT_EQ(s.levels, 2u);
}

TEST(Barriers, TensorsSharingBytesAreHazardsToo) {
  // 0 and 1 share bytes (the planner put them there because their lifetimes do not overlap):
  // writing 1 must wait until 0 has been read.
  const std::vector<Range> shared = {{0, 512}, {256, 512}, {4096, 64}};
  const Schedule s = check({{{}, {0}}, {{0}, {2}}, {{}, {1}}}, shared);
  EXPECT_EQ(s.levels, 3u);
}

TEST(Barriers, IndependentStepsMoveUpToShareABarrier) {
  // A chain 0 → 1 → 2 and a step writing 3 that depends on nothing: it joins level 0, and the
  // program needs two barriers, not three.
  const Schedule s = check({{{}, {0}}, {{0}, {1}}, {{1}, {2}}, {{}, {3}}}, separate(4));
  EXPECT_EQ(s.order, (std::vector<uint32_t>{0, 3, 1, 2}));
  EXPECT_EQ(s.barrier_before, (std::vector<uint32_t>{2, 3}));
}

TEST(Barriers, TheCheckerCatchesAMissingBarrier) {
  const std::vector<Step> steps = {{{}, {0}}, {{0}, {1}}};
  Schedule s = schedule_steps(steps, separate(2));
  s.barrier_before.clear();
  EXPECT_NE(find_unordered_hazard(steps, separate(2), s).find("read-after-write between steps 0 and 1"), std::string::npos);
}

TEST(Liveness, SpansFirstToLastUse) {
  const auto live = liveness({{{}, {0}}, {{0}, {1}}, {{1}, {2}}, {{0}, {3}}}, 5);
  EXPECT_EQ(live[0].first, 0u);
  EXPECT_EQ(live[0].last, 3u);
  EXPECT_EQ(live[1].first, 1u);
  EXPECT_EQ(live[1].last, 2u);
  EXPECT_FALSE(live[4].used());
}

TEST(Planner, DisjointLifetimesShareBytes) {
  // 0 → 1 → 2 → 3: each tensor dies when the next is born, so two buffers' worth suffice.
  const std::vector<Step> steps = {{{}, {0}}, {{0}, {1}}, {{1}, {2}}, {{2}, {3}}};
  const auto live = liveness(steps, 4);
  const MemoryPlan plan = plan_memory({1000, 1000, 1000, 1000}, live, 256);
  EXPECT_EQ(find_live_overlap(plan, live), "");
  EXPECT_EQ(plan.naive, 4u * 1024u);
  EXPECT_EQ(plan.total, 2u * 1024u);
  for (const Range& r : plan.ranges) EXPECT_EQ(r.offset % 256, 0u);
}

TEST(Planner, TheCheckerCatchesAnOverlap) {
  const std::vector<Step> steps = {{{}, {0, 1}}};
  const auto live = liveness(steps, 2);
  MemoryPlan plan = plan_memory({64, 64}, live, 16);
  EXPECT_EQ(find_live_overlap(plan, live), "");
  plan.ranges[1].offset = plan.ranges[0].offset + 32;
  EXPECT_NE(find_live_overlap(plan, live), "");
}

TEST(Randomized, PlansNeverOverlapLiveTensorsAndEveryHazardHasABarrier) {
  std::mt19937 rng(2024);
  for (int program = 0; program < 300; ++program) {
    const std::size_t tensors = 2 + rng() % 30, step_count = 1 + rng() % 40;
    std::vector<uint64_t> bytes(tensors);
    for (auto& b : bytes) b = 1 + rng() % 5000;
    std::vector<Step> steps(step_count);
    for (Step& s : steps) {
      for (std::size_t k = 0, n = rng() % 4; k < n; ++k) s.reads.push_back(static_cast<TensorIndex>(rng() % tensors));
      for (std::size_t k = 0, n = 1 + rng() % 2; k < n; ++k) s.writes.push_back(static_cast<TensorIndex>(rng() % tensors));
    }
    const auto live = liveness(steps, tensors);
    const uint64_t alignment = uint64_t{1} << (rng() % 8);
    const MemoryPlan plan = plan_memory(bytes, live, alignment);
    ASSERT_EQ(find_live_overlap(plan, live), "") << "program " << program;
    ASSERT_LE(plan.total, plan.naive);
    for (std::size_t t = 0; t < tensors; ++t) {
      if (live[t].used()) {
        ASSERT_EQ(plan.ranges[t].offset % alignment, 0u);
      }
    }
    const Schedule s = schedule_steps(steps, plan.ranges);
    ASSERT_EQ(find_unordered_hazard(steps, plan.ranges, s), "") << "program " << program;
    ASSERT_EQ(s.order.size(), steps.size());
    ASSERT_EQ(s.barrier_before.size() + 1, s.levels);
  }
}

}  // namespace
}  // namespace vkvae::graph
