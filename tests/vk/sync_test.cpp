// Fences and timeline semaphores: timeouts surface as errors, chained submits need no host wait.
#include <gtest/gtest.h>

#include <vector>

#include "support/vulkan_test.hpp"
#include "vk/check.hpp"

namespace vkvae::vk {
namespace {

class Sync : public test::VulkanTest {};

TEST_F(Sync, RenderQueueIsASecondComputeQueueWhereTheFamilyHasOne) {
  Device& device = context().device();
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device.physical(), &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device.physical(), &count, families.data());
  const uint32_t family = device.compute_queue().family();
  EXPECT_EQ(device.render_queue().family(), family);
  EXPECT_EQ(device.separate_render_queue(), families[family].queueCount >= 2);
  EXPECT_EQ(device.render_queue().handle() != device.compute_queue().handle(), device.separate_render_queue());

  // Work submitted there runs and its writes reach the host.
  Buffer buffer = context().buffer(64);
  CommandBuffer commands = context().commands();
  commands.begin();
  commands.fill(buffer, 0, 64, 7u);
  commands.barrier(kTransferWrite, kHostRead | kTransferRead);
  commands.end();
  context().submit_and_wait(commands, &device.render_queue());
  EXPECT_EQ(context().download<uint32_t>(buffer, 16), std::vector<uint32_t>(16, 7u));
}

TEST_F(Sync, FenceTimeoutIsAnErrorNamingTheWait) {
  // GPU work that cannot start until the host signals a semaphore: a hang on demand.
  TimelineSemaphore gate(context().device().handle());
  Buffer buffer = context().buffer(64);
  CommandBuffer commands = context().commands();
  commands.begin();
  commands.fill(buffer, 0, 64, 5u);
  commands.end();
  const VkCommandBuffer handle = commands.handle();
  const SemaphoreValue wait{&gate, 1};
  Fence fence(context().device().handle());
  context().device().compute_queue().submit({.commands = {&handle, 1}, .waits = {&wait, 1}, .fence = &fence});

  try {
    fence.wait(std::chrono::milliseconds(20));
    FAIL() << "the fence signalled although its work could not start";
  } catch (const VulkanError& e) {
    EXPECT_EQ(e.result(), VK_TIMEOUT);
    const std::string message = e.what();
    EXPECT_NE(message.find("vkWaitForFences failed: VK_TIMEOUT"), std::string::npos) << message;
    EXPECT_NE(message.find("within 20 ms"), std::string::npos) << message;
  }
  EXPECT_FALSE(fence.signaled());
  gate.signal(1);
  fence.wait(context().timeout());
  EXPECT_TRUE(fence.signaled());
}

TEST_F(Sync, TimelineWaitTimesOutThenSucceeds) {
  TimelineSemaphore timeline(context().device().handle(), 3);
  EXPECT_EQ(timeline.value(), 3u);
  EXPECT_NO_THROW(timeline.wait(3, std::chrono::milliseconds(1)));
  try {
    timeline.wait(4, std::chrono::milliseconds(5));
    FAIL() << "expected a timeout";
  } catch (const VulkanError& e) {
    EXPECT_EQ(e.result(), VK_TIMEOUT);
  }
  timeline.signal(4);
  EXPECT_NO_THROW(timeline.wait(4, std::chrono::milliseconds(1)));
}

TEST_F(Sync, ChainedSubmitsAdvanceTheTimelineWithoutHostWaits) {
  // Ten submits of y += x, each waiting on the previous one's timeline value: the host submits
  // them all at once and waits only for the last, as the trainer will.
  const uint32_t n = 1000;
  Buffer x = context().buffer(n * 4), y = context().buffer(n * 4);
  context().upload(x, std::span<const float>(std::vector<float>(n, 1.5f)));
  context().upload(y, std::span<const float>(std::vector<float>(n, 0.0f)));
  ComputePipeline axpy = context().pipeline({"axpy", 2, 8, {SpecConstant::u32(0, 64)}});
  CommandBuffer step = context().commands();
  step.begin(CommandBuffer::Use::kReplay);  // recorded once, replayed
  step.barrier(kComputeWrite, kComputeRead | kComputeWrite);
  step.dispatch(axpy, {{&x}, {&y}}, std::pair<uint32_t, float>{n, 1.0f}, {groups_for(n, 64)});
  step.barrier(kComputeWrite, kHostRead);
  step.end();

  TimelineSemaphore timeline(context().device().handle());
  const VkCommandBuffer handle = step.handle();
  for (uint64_t i = 1; i <= 10; ++i) {
    const SemaphoreValue wait{&timeline, i - 1}, signal{&timeline, i};
    context().device().compute_queue().submit(
        {.commands = {&handle, 1}, .waits = {&wait, 1}, .signals = {&signal, 1}});
  }
  timeline.wait(10, context().timeout());
  for (float v : context().download<float>(y, n)) ASSERT_EQ(v, 15.0f);
}

}  // namespace
}  // namespace vkvae::vk
