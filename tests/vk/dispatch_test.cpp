// Dispatches with push and specialization constants, barriers between dependent dispatches,
// copies and fills, and the errors a wrong dispatch gets before it reaches the GPU.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <tuple>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::vk {
namespace {

struct FillPush {
  uint32_t n;
  uint32_t value_bits;
};
struct AxpyPush {
  uint32_t n;
  float alpha;
};

PipelineDesc fill_desc(uint32_t local_size = 64) {
  return {"fill", 1, sizeof(FillPush), {SpecConstant::u32(0, local_size)}};
}

PipelineDesc axpy_desc(uint32_t local_size, uint32_t items) {
  return {"axpy", 2, sizeof(AxpyPush), {SpecConstant::u32(0, local_size), SpecConstant::u32(1, items)}};
}

std::vector<float> ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(static_cast<int>(i % 97) - 48);
  return v;
}

// (local size, items per invocation, n)
class Axpy : public test::VulkanTest,
             public ::testing::WithParamInterface<std::tuple<uint32_t, uint32_t, uint32_t>> {};

TEST_P(Axpy, MatchesTheCpuForEverySpecialization) {
  const auto [local_size, items, n] = GetParam();
  const std::vector<float> x = ramp(n, 0.37f), y = ramp(n, -1.25f);
  Buffer bx = context().buffer(n * sizeof(float)), by = context().buffer(n * sizeof(float));
  context().upload(bx, std::span<const float>(x));
  context().upload(by, std::span<const float>(y));

  ComputePipeline axpy = context().pipeline(axpy_desc(local_size, items));
  CommandBuffer commands = context().commands();
  commands.begin();
  const float alpha = -0.75f;
  commands.dispatch(axpy, {{&bx}, {&by}}, AxpyPush{n, alpha}, {groups_for(n, local_size * items)});
  commands.barrier(kComputeWrite, kHostRead);
  commands.end();
  context().submit_and_wait(commands);

  const std::vector<float> out = context().download<float>(by, n);
  for (uint32_t i = 0; i < n; ++i) {
    ASSERT_FLOAT_EQ(out[i], std::fma(alpha, x[i], y[i])) << "element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, Axpy,
                         ::testing::Combine(::testing::Values(32u, 64u, 256u),
                                            ::testing::Values(1u, 4u),
                                            ::testing::Values(1u, 67u, 1001u, 65537u)));

class Dispatch : public test::VulkanTest {};

TEST_F(Dispatch, BarrierOrdersDependentDispatchesInOneCommandBuffer) {
  const uint32_t n = 3001;
  Buffer x = context().buffer(n * 4), y = context().buffer(n * 4);
  ComputePipeline fill = context().pipeline(fill_desc());
  ComputePipeline axpy = context().pipeline(axpy_desc(64, 1));
  CommandBuffer commands = context().commands();
  commands.begin();
  commands.dispatch(fill, {{&x}}, FillPush{n, std::bit_cast<uint32_t>(2.0f)}, {groups_for(n, 64)});
  commands.dispatch(fill, {{&y}}, FillPush{n, std::bit_cast<uint32_t>(1.0f)}, {groups_for(n, 64)});
  commands.barrier(kComputeWrite, kComputeRead | kComputeWrite);
  for (int repeat = 0; repeat < 3; ++repeat) {  // y += 0.5·x, three times: each waits for the last
    commands.dispatch(axpy, {{&x}, {&y}}, AxpyPush{n, 0.5f}, {groups_for(n, 64)});
    commands.barrier(kComputeWrite, kComputeRead | kComputeWrite);
  }
  commands.barrier(kComputeWrite, kHostRead);
  commands.end();
  EXPECT_EQ(commands.dispatches(), 5u);
  EXPECT_EQ(commands.barriers(), 5u);
  context().submit_and_wait(commands);
  for (float v : context().download<float>(y, n)) ASSERT_EQ(v, 4.0f);
}

TEST_F(Dispatch, SubRangeBindingsTouchOnlyTheirRange) {
  const VkDeviceSize alignment = context().info().min_storage_buffer_offset_alignment;
  const uint32_t words = static_cast<uint32_t>(alignment / 4) * 3;
  Buffer y = context().buffer(words * 4);
  context().upload(y, std::span<const uint32_t>(std::vector<uint32_t>(words, 7u)));
  ComputePipeline fill = context().pipeline(fill_desc());
  CommandBuffer commands = context().commands();
  commands.begin();
  const uint32_t n = static_cast<uint32_t>(alignment / 4);
  commands.dispatch(fill, {{&y, alignment, alignment}}, FillPush{n, 9u}, {groups_for(n, 64)});
  commands.barrier(kComputeWrite, kHostRead);
  commands.end();
  context().submit_and_wait(commands);
  const auto out = context().download<uint32_t>(y, words);
  for (uint32_t i = 0; i < words; ++i) ASSERT_EQ(out[i], i >= n && i < 2 * n ? 9u : 7u) << i;
}

TEST_F(Dispatch, CopyAndFillCommands) {
  Buffer a = context().buffer(64), b = context().buffer(64);
  CommandBuffer commands = context().commands();
  commands.begin();
  commands.fill(a, 0, 64, 0x01020304u);
  commands.fill(b, 0, 64, 0u);
  commands.barrier(kTransferWrite, kTransferRead | kTransferWrite);
  commands.copy(a, 8, b, 20, 13);  // odd size and offset: copies have no alignment rule
  commands.barrier(kTransferWrite, kHostRead);
  commands.end();
  context().submit_and_wait(commands);
  const auto bytes = context().download<uint8_t>(b, 64);
  const uint8_t pattern[4] = {0x04, 0x03, 0x02, 0x01};  // little-endian words
  for (int i = 0; i < 64; ++i) {
    const uint8_t expected = i >= 20 && i < 33 ? pattern[(i - 20 + 8) % 4] : 0;
    ASSERT_EQ(bytes[static_cast<std::size_t>(i)], expected) << "byte " << i;
  }
}

TEST_F(Dispatch, MistakesAreCaughtBeforeTheGpu) {
  Buffer x = context().buffer(256), small = context().buffer(12);
  ComputePipeline axpy = context().pipeline(axpy_desc(64, 1));
  CommandBuffer commands = context().commands();
  commands.begin();
  const AxpyPush push{64, 1.0f};
  EXPECT_THROW(commands.dispatch(axpy, {{&x}}, push, {1}), Error);                  // one buffer short
  EXPECT_THROW(commands.dispatch(axpy, {{&x}, {&x}}, uint32_t{1}, {1}), Error);     // push too short
  EXPECT_THROW(commands.dispatch(axpy, {{&x, 512}, {&x}}, push, {1}), Error);       // offset past end
  EXPECT_THROW(commands.dispatch(axpy, {{&x, 0, 300}, {&x}}, push, {1}), Error);    // range past end
  EXPECT_THROW(commands.dispatch(axpy, {{&x, 4, 16}, {&x}}, push, {1}), Error);     // misaligned offset
  EXPECT_THROW(commands.dispatch(axpy, {{&x}, {&x}}, push, {1u << 31}), Error);     // too many groups
  EXPECT_THROW(commands.fill(small, 2, 8, 0), Error);
  EXPECT_THROW(commands.fill(small, 0, 16, 0), Error);
  EXPECT_THROW(commands.copy(x, 250, small, 0, 8), Error);
  commands.end();
}

// Texel-buffer bindings (PipelineDesc::texel_buffers) have their own rules: whole floats, the
// device's texel offset alignment.
TEST_F(Dispatch, TexelBindingMistakesAreCaughtBeforeTheGpu) {
  Buffer x = context().buffer(256);
  // A kernel whose bindings 0 and 1 are texel buffers (shaders/conv_backward_weight_narrow.comp).
  PipelineDesc desc{"conv_backward_weight_narrow", 3, 12 * sizeof(uint32_t), {SpecConstant::u32(1, 1)}, 0b011};
  ComputePipeline narrow = context().pipeline(desc);
  CommandBuffer commands = context().commands();
  commands.begin();
  const std::array<uint32_t, 12> push{};
  const auto message = [&](std::initializer_list<BufferRange> bindings) {
    try {
      commands.dispatch(narrow, bindings, push, {1});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const VkDeviceSize alignment = context().info().min_texel_buffer_offset_alignment;
  if (alignment > 4) {
    EXPECT_NE(message({{&x, 4, 16}, {&x}, {&x}}).find("minTexelBufferOffsetAlignment"), std::string::npos);
  }
  EXPECT_NE(message({{&x, 0, 18}, {&x}, {&x}}).find("whole floats"), std::string::npos);
  EXPECT_NE(message({{&x}, {&x, 0, 300}, {&x}}).find("outside its 256-byte buffer"), std::string::npos);
  commands.end();
}

TEST_F(Dispatch, PipelineMistakesNameTheShader) {
  try {
    context().pipeline({"no_such_shader", 1, 0, {}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_shader"), std::string::npos);
  }
  EXPECT_THROW(context().pipeline({"fill", 0, 8, {}}), Error);
  EXPECT_THROW(context().pipeline({"fill", 1, 6, {}}), Error);
  EXPECT_THROW(context().pipeline({"fill", 1, 4096, {}}), Error);
  // Past the device's limits: named, before the driver sees the pipeline.
  const auto error = [&](const PipelineDesc& desc) {
    try {
      context().pipeline(desc);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const uint32_t invocations = context().info().max_workgroup_invocations;
  EXPECT_EQ(error({"fill", 1, 8, {SpecConstant::u32(0, invocations * 2)}})
                .rfind("pipeline 'fill': a workgroup of " + std::to_string(invocations * 2) + " invocations; ", 0),
            0u);
  EXPECT_NE(error({"fill", 1, 8, {}, 0, context().info().max_shared_memory_bytes + 4}).find("bytes of shared memory"), std::string::npos);
  EXPECT_EQ(error({"fill", 1, 8, {SpecConstant::u32(0, 64)}}), "(no error)");  // within the limits: made
}

}  // namespace
}  // namespace vkvae::vk
