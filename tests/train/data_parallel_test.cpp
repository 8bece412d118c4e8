// Data-parallel training on several devices in one process, tested as the README says a user
// would on lavapipe: the one device named several times, each name its own VkDevice with its
// own memory, the gradients exchanged through host memory. With the shards fixed, 1, 2 and 4
// devices train to the same bits (metrics and checkpoints), with data resident or streamed,
// for models that gather labels and draw noise several rows an example; the default (a shard a
// device) stays within 1e-5 of a one-device run over 20 steps; the replicas never drift; a run
// resumes on another device count; the gradients leaving in buckets (the exchange overlapping the
// backward pass) change no bit; a profile leaves no trace; rank 0's evaluation tells the other
// ranks to keep waiting submit by submit; splits that cannot work are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "data/idx.hpp"
#include "train/run_fixture.hpp"
#include "train/peers.hpp"
#include "train/session.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

class DataParallel : public RunTest {
 protected:
  void TearDown() override {
    for (const std::unique_ptr<vk::Context>& c : more_) {
      EXPECT_EQ(c->instance().validation().errors(), 0) << "Vulkan validation errors on a replica's device";
    }
    more_.clear();
    RunTest::TearDown();
  }

  // `count` − 1 more devices besides the test's context: the test device again.
  std::vector<vk::Context*> more_devices(std::size_t count) {
    while (more_.size() + 1 < count) more_.push_back(std::make_unique<vk::Context>(test::test_context_options()));
    std::vector<vk::Context*> devices;
    for (std::size_t i = 0; i + 1 < count; ++i) devices.push_back(more_[i].get());
    return devices;
  }

  RunResult train_on(std::size_t devices, const TrainOptions& options, const fs::path& out, Recorder* notes = nullptr,
                     uint64_t bucket_bytes = kDefaultBucketBytes) {
    RunRequest r = fresh(options, out);
    r.more_devices = more_devices(devices);
    r.bucket_bytes = bucket_bytes;
    return train(r, notes);
  }

  std::vector<std::unique_ptr<vk::Context>> more_;
};

TEST_F(DataParallel, FixedShardsTrainToTheSameBitsOnOneTwoAndFourDevices) {
  // mlp binarized (the gather's noise), cmlp (the labels), the bound with K = 3 (noise three rows
  // an example).
  for (const char* model : {"mlp", "cmlp", "iwae"}) {
    SCOPED_TRACE(model);
    TrainOptions o = small(std::string(model) == "iwae" ? "mlp" : model);
    if (std::string(model) == "iwae") o.objective = models::Objective::iwae, o.k = 3;
    o.shards = 4;
    o.epochs = 1;
    train_on(1, o, root_ / model / "1");
    const auto expected = losses(root_ / model / "1");
    const auto tensors = checkpoint(root_ / model / "1").first;
    // Two devices with a bucket a parameter (the most parts), four with them all in one.
    for (const auto& [devices, bucket_bytes] : {std::pair<std::size_t, uint64_t>{2, 1}, {4, 0}}) {
      SCOPED_TRACE(std::to_string(devices) + " devices");
      Recorder notes;
      const fs::path dir = root_ / model / std::to_string(devices);
      train_on(devices, o, dir, &notes, bucket_bytes);
      EXPECT_NE(notes.notes.find(std::to_string(devices) + " replica(s), the batch of 32 in 4 shards of 8"), std::string::npos) << notes.notes;
      const std::string parts = bucket_bytes == 0 ? "1 bucket(s) a replica, sent after" : "bucket(s) a replica, each sent while";
      EXPECT_NE(notes.notes.find(parts), std::string::npos) << notes.notes;
      EXPECT_EQ(notes.notes.find("replicas differed"), std::string::npos) << notes.notes;
      EXPECT_EQ(losses(dir), expected);
      expect_same_tensors(checkpoint(dir).first, tensors);
    }
  }
  // Streamed (16 images a binding: the 256 training images through a ring of 2 × 2 batches,
  // each replica its own ring), on two devices: the same again.
  TrainOptions o = small();
  o.shards = 4;
  o.epochs = 1;
  const BindingLimit limit(16 * 784);
  Recorder notes;
  train_on(2, o, root_ / "streamed", &notes);
  EXPECT_NE(notes.notes.find("streamed from host memory"), std::string::npos) << notes.notes;
  EXPECT_EQ(losses(root_ / "streamed"), losses(root_ / "mlp" / "1"));
  expect_same_tensors(checkpoint(root_ / "streamed").first, checkpoint(root_ / "mlp" / "1").first);
}

TEST_F(DataParallel, AShardADeviceStaysWithinTheToleranceOfOneDevice) {
  // 20 steps of 8 on one device (one shard) and on two (a shard each: the same rows and noise,
  // the gradients added in another order).
  TrainOptions o = small();
  o.batch = 8;
  const data::Dataset train = data::load_dataset(root_ / "data" / "train-images-idx3-ubyte.gz", root_ / "data" / "train-labels-idx1-ubyte.gz");
  const data::Dataset none;
  Session one(context(), o, train, none);
  Session two(context(), o, train, none, more_devices(2));
  EXPECT_EQ(two.replicas(), 2u);
  for (Session* s : {&one, &two}) {
    s->start();
    s->init_parameters();
    s->begin_epoch(0, 0);
  }
  double largest = 0.0;
  for (int step = 0; step < 20; ++step) {
    Session::Sums a, b;
    one.train(1, a);
    two.train(1, b);
    for (const auto& [x, y] : {std::pair{a.recon, b.recon}, std::pair{a.kl, b.kl}}) {
      ASSERT_TRUE(std::isfinite(x) && std::isfinite(y));
      largest = std::max(largest, std::abs(x - y) / std::max(std::abs(x), 1e-30));
    }
  }
  EXPECT_LT(largest, 1e-5);
  EXPECT_GT(largest, 0.0) << "the orders differ, so some bits should";
  EXPECT_EQ(two.align_replicas(), 0.0);  // the replicas hold the same bits
}

TEST_F(DataParallel, ARunResumesOnAnotherDeviceCount) {
  TrainOptions o = small();
  o.shards = 2;
  train_on(1, o, root_ / "straight");
  TrainOptions limited = o;
  limited.max_steps = 5;
  train_on(2, limited, root_ / "moved");
  RunRequest more = resume(root_ / "moved");
  more.max_steps = 0;
  train(more);  // one device now: the run's own two shards
  EXPECT_EQ(complete(losses(root_ / "moved")), losses(root_ / "straight"));
  expect_same_tensors(checkpoint(root_ / "moved").first, checkpoint(root_ / "straight").first);
  const json config = json::parse(std::ifstream(root_ / "moved" / "config.json"));
  EXPECT_EQ(config["shards"], 2);
}

TEST_F(DataParallel, AProfileOfTheLockstepStepLeavesNoTrace) {
  TrainOptions o = small();
  o.shards = 2;
  train_on(1, o, root_ / "straight");
  RunRequest profiled = fresh(o, root_ / "profiled");
  profiled.more_devices = more_devices(2);
  profiled.bucket_bytes = 1;  // a part a parameter: the profile records and times them all
  profiled.profile = true;
  Recorder notes;
  train(profiled, &notes);
  EXPECT_EQ(losses(root_ / "profiled"), losses(root_ / "straight"));
  for (const char* part : {"2 replicas in lockstep", "buckets) through host memory", "after the backward pass", "computing"}) {
    EXPECT_NE(notes.notes.find(part), std::string::npos) << part << "\n" << notes.notes;
  }
}

// Rank 0 of two, alone in this process: it keeps the orders it sends and gathers its own block
// twice.
class RecordingPeers : public Peers {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void all_gather(std::span<const std::byte> block, std::span<std::byte> gathered) override {
    for (std::size_t at = 0; at < gathered.size(); at += block.size()) std::copy(block.begin(), block.end(), gathered.begin() + static_cast<std::ptrdiff_t>(at));
  }
  void broadcast(std::vector<std::byte>& bytes) override { sent.push_back(bytes); }
  std::vector<std::vector<std::byte>> sent;
};

TEST_F(DataParallel, AnEvaluationOnRankZeroKeepsTheOthersWaitingSubmitBySubmit) {
  // 600 test images streamed through a ring of two evaluation batches of 256 (a binding holds 68
  // images): an evaluation of three submits, after each but the last of which the other ranks
  // are told to keep waiting (their wait for an order is bounded by a submit, not the test set).
  test::write_mnist_dir(root_ / "big", 64, 600, /*gzip=*/true);
  TrainOptions o = small();
  const BindingLimit limit(68 * 784);
  const data::Dataset train = data::load_dataset(root_ / "big" / "train-images-idx3-ubyte.gz", root_ / "big" / "train-labels-idx1-ubyte.gz");
  const data::Dataset test = data::load_dataset(root_ / "big" / "t10k-images-idx3-ubyte.gz", root_ / "big" / "t10k-labels-idx1-ubyte.gz");
  RecordingPeers peers;
  Session session(context(), o, train, test, {}, &peers);
  ASSERT_TRUE(session.residency().test.streamed) << session.residency().note;
  session.start();
  session.init_parameters();
  const std::size_t before = peers.sent.size();
  int64_t reports = 0;
  session.evaluate([&](int64_t, int64_t) { ++reports; });
  const std::size_t told = peers.sent.size() - before;
  EXPECT_EQ(told, 2u);  // after the first and second of three submits
  EXPECT_GT(reports, 0);
  for (std::size_t i = before; i < peers.sent.size(); ++i) EXPECT_EQ(peers.sent[i].size(), peers.sent[0].size()) << "an order with a payload";
}

TEST_F(DataParallel, SplitsThatCannotWorkAreRefusedBeforeAnythingIsWritten) {
  TrainOptions o = small();
  o.shards = 3;  // 32 is no multiple of 3
  EXPECT_THROW(check_options(o), UsageError);
  // 8 shards over 3 devices (not evenly), 2 over 4 (fewer than one each).
  for (const auto& [shards, devices] : {std::pair<int64_t, std::size_t>{8, 3}, {2, 4}}) {
    o.shards = shards;
    const std::string expected = "--shards " + std::to_string(shards) + ": " + std::to_string(shards) + " shards do not spread over " +
                                 std::to_string(devices) + " devices";
    try {
      train_on(devices, o, root_ / "refused");
      ADD_FAILURE() << devices << " devices were accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(root_ / "refused"));
  }
}

}  // namespace
}  // namespace vkvae::train
