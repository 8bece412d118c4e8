// Upload/download round trips of odd sizes at odd offsets, through mapped memory and through
// staging buffers (in chunks smaller than the data).
#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <tuple>

#include "support/vulkan_test.hpp"
#include "util/error.hpp"

namespace vkvae::vk {
namespace {

// (direct host access, size, offset)
class Transfer : public test::VulkanTest,
                 public ::testing::WithParamInterface<std::tuple<bool, std::size_t, std::size_t>> {
 protected:
  void SetUp() override {
    vk::ContextOptions options = test::test_context_options();
    options.direct_host_access = std::get<0>(GetParam());
    options.staging_chunk = 4099;  // odd, and smaller than the larger sizes: exercises chunking
    context_ = std::make_unique<Context>(options);
  }
};

TEST_P(Transfer, RoundTripIsExact) {
  const auto [direct, size, offset] = GetParam();
  std::vector<std::byte> data(size);
  std::mt19937 rng(static_cast<unsigned>(size * 31 + offset));
  for (auto& b : data) b = static_cast<std::byte>(rng());

  Buffer buffer = context().buffer(offset + size + 5);
  // Fill the whole buffer with a sentinel first, to see that neighbours stay untouched.
  std::vector<std::byte> sentinel(buffer.size(), std::byte{0xAB});
  context().upload(buffer, 0, sentinel);
  context().upload(buffer, offset, data);

  std::vector<std::byte> all(buffer.size());
  context().download(buffer, 0, all);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::byte expected = i >= offset && i < offset + size ? data[i - offset] : std::byte{0xAB};
    ASSERT_EQ(all[i], expected) << "byte " << i << (direct ? " (direct)" : " (staging)");
  }
  std::vector<std::byte> part(size);
  context().download(buffer, offset, part);
  EXPECT_EQ(part, data);
}

INSTANTIATE_TEST_SUITE_P(OddSizes, Transfer,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values(1, 3, 7, 4097, 12345, 1 << 20 | 5),
                                            ::testing::Values(0, 1, 13)));

class TransferBounds : public test::VulkanTest {};

TEST_F(TransferBounds, CopiesPastTheEndAreRefused) {
  Buffer buffer = context().buffer(16);
  std::vector<std::byte> bytes(10);
  EXPECT_THROW(context().upload(buffer, 7, bytes), Error);
  EXPECT_THROW(context().download(buffer, 7, bytes), Error);
  EXPECT_NO_THROW(context().upload(buffer, 6, bytes));
}

TEST_F(TransferBounds, TypedHelpersRoundTripFloats) {
  std::vector<float> values(1001);
  std::iota(values.begin(), values.end(), -500.25f);
  Buffer buffer = context().buffer(values.size() * sizeof(float));
  context().upload(buffer, std::span<const float>(values));
  EXPECT_EQ(context().download<float>(buffer, values.size()), values);
}

}  // namespace
}  // namespace vkvae::vk
