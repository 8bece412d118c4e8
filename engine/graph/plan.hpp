// The pure logic under the graph scheduler: when each tensor is live, where it lives in one
// activation arena (tensors whose lifetimes do not overlap share bytes), and where barriers go
// so that every read-after-write, write-after-read and write-after-write hazard on those bytes
// is ordered while independent steps run together. No Vulkan here: tested on any machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vkvae::graph {

using TensorIndex = uint32_t;

// One dispatch (or one op) of a program: which tensors it reads and writes. A step that
// accumulates into a tensor lists it in both.
struct Step {
  std::vector<TensorIndex> reads, writes;
};

// Steps [first, last] touch the tensor (in program order). A tensor no step touches has
// first > last.
struct Interval {
  uint32_t first = UINT32_MAX, last = 0;
  bool used() const { return first <= last; }
};

std::vector<Interval> liveness(const std::vector<Step>& steps, std::size_t tensor_count);

// A tensor's place in the arena.
struct Range {
  uint64_t offset = 0, bytes = 0;
  bool overlaps(const Range& other) const {
    return bytes > 0 && other.bytes > 0 && offset < other.offset + other.bytes && other.offset < offset + bytes;
  }
};

struct MemoryPlan {
  std::vector<Range> ranges;  // per tensor; unused tensors get 0 bytes
  uint64_t total = 0;         // arena size
  uint64_t naive = 0;         // the sum of all tensors, each aligned
};

// Places tensors of `bytes` with lifetimes `live` in one arena, each at a multiple of
// `alignment`: largest first, each at the lowest offset that does not overlap any placed
// tensor whose lifetime overlaps its own.
MemoryPlan plan_memory(const std::vector<uint64_t>& bytes, const std::vector<Interval>& live, uint64_t alignment);

// The first pair of tensors that are live at the same step and share bytes, as a message;
// empty when there is none.
std::string find_live_overlap(const MemoryPlan& plan, const std::vector<Interval>& live);

// Steps grouped into levels: the steps of one level have no hazard among them and run between
// two barriers. A step's level is one more than the highest level of any earlier step it has a
// hazard with (on overlapping bytes), so the number of barriers is the length of the longest
// chain of hazards — the fewest any order that keeps the program's meaning can have.
struct Schedule {
  std::vector<uint32_t> order;          // step indices, level by level (program order within one)
  std::vector<uint32_t> level;          // per step
  std::vector<uint32_t> barrier_before;  // positions in `order` that a barrier precedes
  uint32_t levels = 0;
};

Schedule schedule_steps(const std::vector<Step>& steps, const std::vector<Range>& ranges);

// The first hazard between steps i < j (program order) that the schedule leaves unordered,
// as a message; empty when every hazard is separated by a barrier in the right order.
std::string find_unordered_hazard(const std::vector<Step>& steps, const std::vector<Range>& ranges,
                                  const Schedule& schedule);

}  // namespace vkvae::graph
