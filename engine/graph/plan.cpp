#include "graph/plan.hpp"

#include <algorithm>
#include <numeric>

namespace vkvae::graph {
namespace {

uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) / alignment * alignment; }

bool lifetimes_overlap(const Interval& a, const Interval& b) {
  return a.used() && b.used() && a.first <= b.last && b.first <= a.last;
}

// The kind of hazard between an earlier step a and a later step b, or nullptr.
const char* hazard(const Step& a, const Step& b, const std::vector<Range>& ranges) {
  const auto any = [&](const std::vector<TensorIndex>& x, const std::vector<TensorIndex>& y) {
    for (TensorIndex i : x)
      for (TensorIndex j : y)
        if (ranges[i].overlaps(ranges[j])) return true;
    return false;
  };
  if (any(a.writes, b.reads)) return "read-after-write";
  if (any(a.writes, b.writes)) return "write-after-write";
  if (any(a.reads, b.writes)) return "write-after-read";
  return nullptr;
}

}  // namespace

std::vector<Interval> liveness(const std::vector<Step>& steps, std::size_t tensor_count) {
  std::vector<Interval> live(tensor_count);
  for (uint32_t s = 0; s < steps.size(); ++s) {
    for (const auto* list : {&steps[s].reads, &steps[s].writes}) {
      for (TensorIndex t : *list) {
        live.at(t).first = std::min(live[t].first, s);
        live[t].last = std::max(live[t].last, s);
      }
    }
  }
  return live;
}

MemoryPlan plan_memory(const std::vector<uint64_t>& bytes, const std::vector<Interval>& live, uint64_t alignment) {
  MemoryPlan plan;
  plan.ranges.resize(bytes.size());
  std::vector<TensorIndex> order(bytes.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first, then earliest: big tensors claim low offsets, small ones fill the gaps.
  std::stable_sort(order.begin(), order.end(), [&](TensorIndex a, TensorIndex b) {
    return bytes[a] != bytes[b] ? bytes[a] > bytes[b] : live[a].first < live[b].first;
  });
  std::vector<TensorIndex> placed;
  for (TensorIndex t : order) {
    if (!live[t].used() || bytes[t] == 0) continue;
    const uint64_t size = align_up(bytes[t], alignment);
    plan.naive += size;
    // Ranges of placed tensors alive at the same time, by offset; the lowest gap that fits wins.
    std::vector<Range> busy;
    for (TensorIndex p : placed) {
      if (lifetimes_overlap(live[t], live[p])) busy.push_back(plan.ranges[p]);
    }
    std::sort(busy.begin(), busy.end(), [](const Range& a, const Range& b) { return a.offset < b.offset; });
    uint64_t offset = 0;
    for (const Range& r : busy) {
      if (offset + size <= r.offset) break;
      offset = std::max(offset, align_up(r.offset + r.bytes, alignment));
    }
    plan.ranges[t] = {offset, bytes[t]};
    plan.total = std::max(plan.total, offset + size);
    placed.push_back(t);
  }
  return plan;
}

std::string find_live_overlap(const MemoryPlan& plan, const std::vector<Interval>& live) {
  for (TensorIndex a = 0; a < plan.ranges.size(); ++a) {
    for (TensorIndex b = a + 1; b < plan.ranges.size(); ++b) {
      if (lifetimes_overlap(live[a], live[b]) && plan.ranges[a].overlaps(plan.ranges[b])) {
        return "tensors " + std::to_string(a) + " and " + std::to_string(b) + " are live together and share bytes";
      }
    }
  }
  return {};
}

Schedule schedule_steps(const std::vector<Step>& steps, const std::vector<Range>& ranges) {
  Schedule s;
  s.level.assign(steps.size(), 0);
  for (uint32_t j = 0; j < steps.size(); ++j) {
    for (uint32_t i = 0; i < j; ++i) {
      if (hazard(steps[i], steps[j], ranges) != nullptr) s.level[j] = std::max(s.level[j], s.level[i] + 1);
    }
    s.levels = std::max(s.levels, s.level[j] + 1);
  }
  s.order.resize(steps.size());
  std::iota(s.order.begin(), s.order.end(), 0);
  std::stable_sort(s.order.begin(), s.order.end(), [&](uint32_t a, uint32_t b) { return s.level[a] < s.level[b]; });
  for (uint32_t p = 1; p < s.order.size(); ++p) {
    if (s.level[s.order[p]] != s.level[s.order[p - 1]]) s.barrier_before.push_back(p);
  }
  return s;
}

std::string find_unordered_hazard(const std::vector<Step>& steps, const std::vector<Range>& ranges,
                                  const Schedule& schedule) {
  std::vector<uint32_t> position(steps.size());
  for (uint32_t p = 0; p < schedule.order.size(); ++p) position[schedule.order[p]] = p;
  // The barrier count before each position: i is ordered before j when a barrier lies between.
  std::vector<uint32_t> barriers_before(steps.size() + 1, 0);
  for (uint32_t p = 0, b = 0; p < schedule.order.size(); ++p) {
    while (b < schedule.barrier_before.size() && schedule.barrier_before[b] <= p) ++b;
    barriers_before[p] = b;
  }
  for (uint32_t j = 0; j < steps.size(); ++j) {
    for (uint32_t i = 0; i < j; ++i) {
      const char* kind = hazard(steps[i], steps[j], ranges);
      if (kind != nullptr && barriers_before[position[i]] >= barriers_before[position[j]]) {
        return std::string(kind) + " between steps " + std::to_string(i) + " and " + std::to_string(j) +
               " with no barrier between them";
      }
    }
  }
  return {};
}

}  // namespace vkvae::graph
