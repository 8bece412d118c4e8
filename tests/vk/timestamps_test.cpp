// GPU timestamps come back in order and in nanoseconds.
#include <gtest/gtest.h>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"
#include "vk/timestamps.hpp"

namespace vkvae::vk {
namespace {

class Timestamps : public test::VulkanTest {};

TEST_F(Timestamps, BracketDispatchesInOrder) {
  if (!context().info().timestamps) GTEST_SKIP() << "device has no compute timestamps";
  const uint32_t n = 1 << 20;
  Buffer x = context().buffer(n * 4), y = context().buffer(n * 4);
  ComputePipeline axpy = context().pipeline({"axpy", 2, 8, {SpecConstant::u32(0, 64)}});
  TimestampQueries queries(context().device(), 3);
  CommandBuffer commands = context().commands();
  commands.begin();
  commands.reset_queries(queries, 0, 3);
  commands.fill(x, 0, n * 4, 0u);
  commands.fill(y, 0, n * 4, 0u);
  commands.barrier(kTransferWrite, kComputeRead | kComputeWrite);
  commands.write_timestamp(queries, 0);
  commands.dispatch(axpy, {{&x}, {&y}}, std::pair<uint32_t, float>{n, 1.0f}, {groups_for(n, 64)});
  commands.write_timestamp(queries, 1);
  commands.barrier(kComputeWrite, kComputeRead | kComputeWrite);
  commands.dispatch(axpy, {{&x}, {&y}}, std::pair<uint32_t, float>{n, 1.0f}, {groups_for(n, 64)});
  commands.write_timestamp(queries, 2);
  commands.end();
  context().submit_and_wait(commands);

  const std::vector<double> ns = queries.read_ns(0, 3);
  EXPECT_LE(ns[0], ns[1]);
  EXPECT_LE(ns[1], ns[2]);
  // A million-element dispatch takes real time on any device; an hour would mean wrong units.
  EXPECT_GT(ns[2] - ns[0], 0.0);
  EXPECT_LT(ns[2] - ns[0], 3.6e12);
  EXPECT_THROW(queries.read_ns(2, 2), Error);
  EXPECT_THROW(commands.write_timestamp(queries, 3), Error);
}

}  // namespace
}  // namespace vkvae::vk
