// Where the images live (train/data_residency.hpp), without a device: bound whole, in pieces,
// or streamed through a ring when they exceed the bindings, the memory kept for data or the
// largest allocation; refused, naming --data and --batch, when not even a ring binds.
#include <gtest/gtest.h>

#include "train/data_residency.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// lavapipe's: 128 MiB a binding, 2 GiB of "device" memory (1 GiB for data), 16-byte offsets.
ResidencyLimits lavapipe() {
  ResidencyLimits l;
  l.binding_bytes = 128 * kMiB;
  l.offset_alignment = 16;
  l.data_bytes = 1024 * kMiB;
  return l;
}

DataResidency plan(const ResidencyLimits& l, uint64_t image_bytes, int64_t train, int64_t batch, int64_t test) {
  return plan_data(l, "--data d", image_bytes, train, batch, 32, test, std::min<int64_t>(test, 256), 8);
}

TEST(DataResidency, MnistIsBoundWholeAndSaysNothing) {
  const DataResidency d = plan(lavapipe(), 784, 60000, 128, 10000);
  EXPECT_FALSE(d.train.streamed);
  EXPECT_EQ(d.train.rows, 60000);
  EXPECT_EQ(d.train.pieces, 1u);
  EXPECT_FALSE(d.test.streamed);
  EXPECT_EQ(d.test.rows, 10000);
  EXPECT_EQ(d.note, "");
}

TEST(DataResidency, ColourMnistIsBoundInTwoPieces) {
  const DataResidency d = plan(lavapipe(), 3 * 784, 60000, 128, 10000);
  EXPECT_FALSE(d.train.streamed);
  EXPECT_EQ(d.train.pieces, 2u);
  EXPECT_EQ(d.test.pieces, 1u);
  EXPECT_EQ(d.note, "data: training images (134.6 MiB) bound in 2 pieces (one binding spans at most 128.0 MiB here)");
}

TEST(DataResidency, TwoHundredThousand64x64RgbImagesStreamThroughARing) {
  // 2.3 GiB: more than lavapipe keeps for data (and than 8 bindings).
  const uint64_t image = 64 * 64 * 3;
  const DataResidency d = plan(lavapipe(), image, 200000, 128, 10000);
  ASSERT_TRUE(d.train.streamed);
  // The ring is capped at kRingBytes: 21 batches of 128 a half (66 MiB would be 22).
  EXPECT_EQ(d.train.batches_per_half, 21);
  EXPECT_EQ(d.train.rows, 2 * 21 * 128);
  EXPECT_LE(static_cast<uint64_t>(d.train.rows) * image, kRingBytes);
  EXPECT_EQ(d.train.pieces, 1u);
  // The test set (117 MiB) fits what is left, in one binding.
  EXPECT_FALSE(d.test.streamed);
  EXPECT_EQ(d.test.rows, 10000);
  EXPECT_EQ(d.note,
            "data: training images (2.3 GiB) streamed from host memory through a ring of 2 × 21 batches of 128 (63.0 MiB) on the device "
            "(this device keeps 1.0 GiB for data and binds 8 × 128.0 MiB)");
}

TEST(DataResidency, MemoryForDataAndTheLargestAllocationAlsoDecide) {
  ResidencyLimits l = lavapipe();
  l.data_bytes = 40 * kMiB;  // MNIST's 45 MiB do not fit: streamed, though they would bind
  const DataResidency small_device = plan(l, 784, 60000, 128, 10000);
  EXPECT_TRUE(small_device.train.streamed);
  EXPECT_EQ(small_device.train.batches_per_half, 32);  // at most a submit's steps
  // What the ring leaves (40 − 6.1 MiB) still holds the test set's 7.5 MiB.
  EXPECT_FALSE(small_device.test.streamed);

  l = lavapipe();
  l.allocation_bytes = 32 * kMiB;
  EXPECT_TRUE(plan(l, 784, 60000, 128, 10000).train.streamed);
  EXPECT_FALSE(plan(l, 784, 60000, 128, 10000).test.streamed);
}

// Replicas on several devices plan within all of their limits (an unknown allocation limit, 0,
// is no limit).
TEST(DataResidency, ReplicasPlanWithinEveryDevicesLimits) {
  ResidencyLimits other;
  other.binding_bytes = 64 * kMiB;
  other.offset_alignment = 256;
  other.data_bytes = 4096 * kMiB;
  other.allocation_bytes = 512 * kMiB;
  const ResidencyLimits both = lavapipe().within(other);
  EXPECT_EQ(both.binding_bytes, 64 * kMiB);
  EXPECT_EQ(both.offset_alignment, 256u);
  EXPECT_EQ(both.data_bytes, 1024 * kMiB);
  EXPECT_EQ(both.allocation_bytes, 512 * kMiB);
  EXPECT_EQ(other.within(lavapipe()).allocation_bytes, 512 * kMiB);
}

TEST(DataResidency, ATestSetLargerThanTheBindingsStreamsInItsOwnRing) {
  ResidencyLimits l = lavapipe();
  l.binding_bytes = 64 * 784;  // 8 × 64 images
  const DataResidency d = plan(l, 784, 64, 16, 2100);
  EXPECT_FALSE(d.train.streamed);
  ASSERT_TRUE(d.test.streamed);
  EXPECT_EQ(d.test.batches_per_half, 1);  // two batches of 256 is all 512 images bind
  EXPECT_EQ(d.test.rows, 512);
  EXPECT_EQ(d.test.pieces, 8u);
  EXPECT_NE(d.note.find("test images (1.6 MiB) streamed from host memory through a ring of 2 × 1 batches of 256"), std::string::npos)
      << d.note;
}

TEST(DataResidency, ABatchTooLargeEvenForARingIsRefusedNamingTheFlags) {
  ResidencyLimits l = lavapipe();
  l.binding_bytes = 4000;  // 5 images of 784 a binding: 40 in all
  EXPECT_EQ(plan(l, 784, 64, 16, 0).train.batches_per_half, 1);
  try {
    plan(l, 784, 64, 32, 0);
    FAIL() << "a ring of two batches of 32 does not bind";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "--data d: a ring of two batches of 32 images (49.0 KiB) does not fit the 8 bindings of at most 3.9 KiB this device has; "
                 "use a smaller --batch, --image-size or --channels 1");
  }
}

}  // namespace
}  // namespace vkvae::train
