// Whole training runs on small synthetic data: every model trains and leaves its run directory;
// the loss falls; a run stopped by --max-steps or interrupted, then resumed, ends with the same
// metrics and the same checkpoint bits as one that ran straight through, and so does one whose
// data streams from host memory (the binding limit forced low); bad run directories
// and checkpoints are refused without overwriting anything; a non-finite loss stops training
// and keeps the last good checkpoint.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>

#include "io/safetensors.hpp"
#include "support/idx_writer.hpp"
#include "train/run.hpp"
#include "train/run_dir.hpp"
#include "train/run_fixture.hpp"
#include "train/session.hpp"
#include "data/idx.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

class Run : public RunTest {};

TEST_F(Run, EveryModelTrainsAndLeavesItsRunDirectory) {
  for (const char* model : {"mlp", "conv", "cmlp", "cconv", "mlp2"}) {
    SCOPED_TRACE(model);
    TrainOptions o = small(model);
    o.batch = 8;
    o.max_steps = 2;
    const fs::path dir = root_ / model;
    const RunResult r = train(fresh(o, dir));
    EXPECT_EQ(r.step, 2);
    ASSERT_TRUE(r.test_loss.has_value());
    EXPECT_TRUE(std::isfinite(*r.test_loss));
    for (const char* file : {"config.json", "metrics.csv", "metrics.jsonl", "checkpoints/last.safetensors",
                             "checkpoints/best.safetensors", "samples/epoch_001.png", "recon/epoch_001.png"}) {
      EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
    }
    EXPECT_EQ(fs::exists(dir / "manifold/epoch_001.png"), std::string(model) == "mlp2");  // latent 2 only
    std::ifstream csv(dir / "metrics.csv");
    std::string header;
    std::getline(csv, header);
    EXPECT_EQ(header,
              "epoch,step,partial,train_loss,train_recon,train_kl,test_loss,test_recon,test_kl,kl_weight,train_objective,"
              "test_objective,lr,samples_per_s,seconds");
  }
}

TEST_F(Run, LossFallsAndTheBestCheckpointFollowsTheTestLoss) {
  TrainOptions o = small();
  o.epochs = 3;
  o.spec.hidden = 64;
  Recorder recorder;
  const std::atomic<bool> never{false};
  run_training(context(), fresh(o, root_ / "run"), recorder, never);
  ASSERT_EQ(recorder.records.size(), 3u);
  EXPECT_LT(recorder.records[2]["test_loss"].get<double>(), recorder.records[0]["test_loss"].get<double>());
  EXPECT_LT(recorder.records[2]["train_loss"].get<double>(), recorder.records[0]["train_loss"].get<double>());
  EXPECT_EQ(recorder.records[2]["step"], 24);
  EXPECT_EQ(losses(root_ / "run").size(), 3u);
}

TEST_F(Run, StoppedAndResumedRunsMatchAnUninterruptedOne) {
  const TrainOptions o = small();
  train(fresh(o, root_ / "straight"));

  // Stopped by --max-steps in the middle of epoch 2, then resumed to the end.
  TrainOptions limited = o;
  limited.max_steps = 11;
  const RunResult stopped = train(fresh(limited, root_ / "limited"));
  EXPECT_EQ(stopped.step, 11);
  const auto before_resume = losses(root_ / "limited");
  ASSERT_EQ(before_resume.size(), 2u);  // epoch 1, and the part of epoch 2
  EXPECT_TRUE(before_resume[1]["partial"].get<bool>());
  RunRequest more = resume(root_ / "limited");
  more.max_steps = 0;
  train(more);
  // The record of the part of epoch 2 stays: a run's files only gain records.
  const auto after_resume = losses(root_ / "limited");
  ASSERT_EQ(after_resume.size(), 3u);
  EXPECT_EQ(after_resume[1], before_resume[1]);

  // Stopped by --max-steps exactly at the end of epoch 1; resuming without raising the limit
  // has nothing to do; raising it finishes the run.
  TrainOptions at_epoch_end = o;
  at_epoch_end.max_steps = 8;
  train(fresh(at_epoch_end, root_ / "epoch_end"));
  EXPECT_EQ(train(resume(root_ / "epoch_end")).step, 8);
  RunRequest finish = resume(root_ / "epoch_end");
  finish.max_steps = 0;
  train(finish);

  // Profiled first: the profile's steps leave no trace.
  RunRequest profiled = fresh(o, root_ / "profiled");
  profiled.profile = true;
  Recorder profile_notes;
  train(profiled, &profile_notes);
  EXPECT_EQ(losses(root_ / "profiled"), losses(root_ / "straight"));
  EXPECT_NE(profile_notes.notes.find("dispatches"), std::string::npos) << profile_notes.notes;
  EXPECT_NE(profile_notes.notes.find("µs a step"), std::string::npos) << profile_notes.notes;

  // Interrupted (as by Ctrl-C) after a few steps of epoch 1, then resumed.
  std::atomic<bool> stop{false};
  Recorder interrupter(&stop, 3);
  const RunResult interrupted = run_training(context(), fresh(o, root_ / "interrupted"), interrupter, stop);
  EXPECT_TRUE(interrupted.interrupted);
  EXPECT_LT(interrupted.step, 8);
  train(resume(root_ / "interrupted"));

  const auto expected = losses(root_ / "straight");
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_EQ(complete(losses(root_ / "limited")), expected);
  EXPECT_EQ(losses(root_ / "epoch_end"), expected);
  EXPECT_EQ(losses(root_ / "interrupted"), expected);
  const auto [tensors, progress] = checkpoint(root_ / "straight");
  for (const char* dir : {"limited", "interrupted", "epoch_end"}) {
    SCOPED_TRACE(dir);
    const auto [other_tensors, other_progress] = checkpoint(root_ / dir);
    expect_same_tensors(tensors, other_tensors);
    EXPECT_EQ(other_progress, progress);
  }
  // A finished run has nothing left to do.
  EXPECT_EQ(train(resume(root_ / "straight")).step, 16);
}

TEST_F(Run, StreamedDataTrainsStepForStepAsDataOnTheDevice) {
  // 16 images a binding: the 256 training images (8 steps an epoch) stream through a ring of
  // 2 × 2 batches; the 40 test images are bound in 3 pieces.
  constexpr uint64_t kLimit = 16 * 784;
  for (const char* model : {"mlp", "cmlp"}) {  // cmlp: the labels stream with their images
    SCOPED_TRACE(model);
    const TrainOptions o = small(model);
    train(fresh(o, root_ / model / "whole"));
    Recorder notes;
    {
      const BindingLimit limit(kLimit);
      train(fresh(o, root_ / model / "streamed"), &notes);
    }
    EXPECT_NE(notes.notes.find("training images (196.0 KiB) streamed from host memory through a ring of 2 × 2 batches of 32"),
              std::string::npos)
        << notes.notes;
    EXPECT_EQ(losses(root_ / model / "streamed"), losses(root_ / model / "whole"));
    expect_same_tensors(checkpoint(root_ / model / "streamed").first, checkpoint(root_ / model / "whole").first);
  }
  // Stopped mid-epoch by --max-steps (an odd step: a submit of one batch), interrupted, and
  // profiled, each then resumed: the same as straight through.
  const BindingLimit limit(kLimit);
  const TrainOptions o = small();
  TrainOptions limited = o;
  limited.max_steps = 11;
  train(fresh(limited, root_ / "limited"));
  RunRequest more = resume(root_ / "limited");
  more.max_steps = 0;
  train(more);
  std::atomic<bool> stop{false};
  Recorder interrupter(&stop, 3);
  EXPECT_TRUE(run_training(context(), fresh(o, root_ / "interrupted"), interrupter, stop).interrupted);
  train(resume(root_ / "interrupted"));
  RunRequest profiled = fresh(o, root_ / "profiled");
  profiled.profile = true;
  train(profiled);
  const auto expected = losses(root_ / "mlp" / "whole");
  const auto tensors = checkpoint(root_ / "mlp" / "whole").first;
  for (const char* dir : {"limited", "interrupted", "profiled"}) {
    SCOPED_TRACE(dir);
    EXPECT_EQ(complete(losses(root_ / dir)), expected);
    expect_same_tensors(checkpoint(root_ / dir).first, tensors);
  }
}

TEST_F(Run, RefusesRunDirectoriesAndCheckpointsItCannotUse) {
  const TrainOptions o = small();
  fs::create_directories(root_ / "busy");
  std::ofstream(root_ / "busy" / "notes.txt") << "keep me";
  try {
    train(fresh(o, root_ / "busy"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--out " + (root_ / "busy").string() + ": not empty"), std::string::npos) << e.what();
  }
  EXPECT_THROW(train(resume(root_ / "busy")), UsageError);  // no checkpoint there

  TrainOptions big = o;
  big.batch = 1000;
  try {
    train(fresh(big, root_ / "big"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--batch 1000 is larger than the training set (256 images"), std::string::npos) << e.what();
  }

  TrainOptions one = o;
  one.epochs = 1;
  train(fresh(one, root_ / "run"));
  const fs::path last = root_ / "run" / "checkpoints" / "last.safetensors";
  const std::vector<std::byte> good = read_file(last);

  // Damaged: cut short. The error names the file; the file stays as it was.
  const std::vector<std::byte> cut(good.begin(), good.end() - 100);
  write_file_atomically(last, cut);
  try {
    train(resume(root_ / "run"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(last.string() + ": not a valid safetensors file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(read_file(last) == cut);

  // Mismatched: a tensor of another shape.
  io::SafeTensors file = io::decode_safetensors(good, "good");
  file.tensors[0].shape = {static_cast<int64_t>(file.tensors[0].data.size() / 4)};
  io::write_safetensors(last, file);
  try {
    train(resume(root_ / "run"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'fc1.weight' is F32"), std::string::npos) << e.what();
  }
  // Not a training checkpoint at all.
  file.metadata.clear();
  io::write_safetensors(last, file);
  EXPECT_THROW(train(resume(root_ / "run")), Error);
}

TEST_F(Run, StartsFromGivenWeightsAndRefusesForeignOnes) {
  TrainOptions o = small();
  o.epochs = 1;
  train(fresh(o, root_ / "a"));
  // Weights only, as PyTorch's state_dict would have them.
  io::SafeTensors weights = io::read_safetensors(root_ / "a" / "checkpoints" / "last.safetensors");
  std::erase_if(weights.tensors, [](const io::NamedTensor& t) { return t.name.rfind("optimizer.", 0) == 0; });
  weights.metadata.clear();
  io::write_safetensors(root_ / "weights.safetensors", weights);

  // Two runs from the same weights train alike; a run from random weights does not.
  TrainOptions from = o;
  from.init = root_ / "weights.safetensors";
  from.seed = 5;
  train(fresh(from, root_ / "b"));
  train(fresh(from, root_ / "c"));
  TrainOptions random = o;
  random.seed = 5;
  train(fresh(random, root_ / "d"));
  EXPECT_EQ(losses(root_ / "b"), losses(root_ / "c"));
  EXPECT_NE(losses(root_ / "b"), losses(root_ / "d"));
  // Starting from trained weights, the first epoch already beats the first epoch from scratch.
  EXPECT_LT(losses(root_ / "b")[0]["test_loss"].get<double>(), losses(root_ / "d")[0]["test_loss"].get<double>());

  weights.tensors.push_back({"head.weight", "F32", {1}, std::vector<std::byte>(4)});
  io::write_safetensors(root_ / "foreign.safetensors", weights);
  from.init = root_ / "foreign.safetensors";
  try {
    train(fresh(from, root_ / "e"));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'head.weight' is not a parameter of --model mlp"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(root_ / "e"));  // a refused run leaves nothing behind
  TrainOptions other = from;
  other.init = root_ / "weights.safetensors";
  other.spec.hidden = 16;  // the weights are of hidden 32
  EXPECT_THROW(train(fresh(other, root_ / "f")), Error);
}

TEST_F(Run, NonFiniteLossStopsTrainingAndKeepsTheLastGoodCheckpoint) {
  TrainOptions o = small();
  o.lr = 1e30;  // the first update throws the weights far enough to overflow
  o.checkpoint_every = 1;
  try {
    train(fresh(o, root_ / "run"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("became NaN or infinite"), std::string::npos) << e.what();
  }
  const io::SafeTensors last = io::read_safetensors(root_ / "run" / "checkpoints" / "last.safetensors");
  for (const io::NamedTensor& t : last.tensors) {
    const auto* values = reinterpret_cast<const float*>(t.data.data());
    for (std::size_t i = 0; i < t.data.size() / 4; ++i) ASSERT_TRUE(std::isfinite(values[i])) << t.name;
  }
}


// The bytes of every file in a run directory, by path: what "nothing lost or overwritten" means.
std::map<std::string, std::vector<std::byte>> snapshot(const fs::path& dir) {
  std::map<std::string, std::vector<std::byte>> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != ".vkvae-lock") {
      files[fs::relative(entry.path(), dir).string()] = read_file(entry.path());
    }
  }
  return files;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_F(Run, AResumeNeverErasesRecordsNorRewritesFilesItDidNotChange) {
  TrainOptions o = small();
  o.max_steps = 11;  // stops inside epoch 2: a partial record
  train(fresh(o, root_ / "run"));
  const auto before = snapshot(root_ / "run");
  Recorder notes;
  EXPECT_EQ(train(resume(root_ / "run"), &notes).step, 11);  // nothing to do
  EXPECT_NE(notes.notes.find("nothing to do"), std::string::npos) << notes.notes;
  EXPECT_EQ(snapshot(root_ / "run"), before);

  // A resume that diverges (its checkpoint's learning rate made huge) writes nothing either.
  const fs::path last = root_ / "run" / "checkpoints" / "last.safetensors";
  io::SafeTensors file = io::read_safetensors(last);
  json config = json::parse(file.metadata.at("config"));
  config["lr"] = 1e30;
  file.metadata["config"] = config.dump();
  io::write_safetensors(last, file);
  const auto diverging = snapshot(root_ / "run");
  RunRequest more = resume(root_ / "run");
  more.max_steps = 0;
  more.checkpoint_every = 0;
  EXPECT_NE(error_of([&] { train(more); }).find("became NaN or infinite"), std::string::npos);
  EXPECT_EQ(snapshot(root_ / "run"), diverging);

  // A lost metrics file comes back from the checkpoint's history on the next resume.
  fs::remove(root_ / "run" / "metrics.jsonl");
  write_file_atomically(last, before.at("checkpoints/last.safetensors"));
  train(resume(root_ / "run"));
  EXPECT_EQ(losses(root_ / "run").size(), 1u);  // epoch 1: the partial record was the file's alone
}

TEST_F(Run, OptionsGivenWithAResumeAreCheckedBeforeAnythingIsWritten) {
  TrainOptions o = small();
  o.max_steps = 3;
  train(fresh(o, root_ / "run"));
  const auto before = snapshot(root_ / "run");
  RunRequest r = resume(root_ / "run");
  r.max_steps = -5;
  EXPECT_NE(error_of([&] { train(r); }).find("--max-steps -5: must be at least 0"), std::string::npos);
  r = resume(root_ / "run");
  r.checkpoint_every = -7;
  EXPECT_NE(error_of([&] { train(r); }).find("--checkpoint-every -7: must be at least 0"), std::string::npos);
  r = resume(root_ / "run");
  r.epochs = -3;
  EXPECT_NE(error_of([&] { train(r); }).find("--epochs -3: must be at least 1"), std::string::npos);
  EXPECT_THROW(check_run_request(r), UsageError);  // what a front end checks first
  EXPECT_EQ(snapshot(root_ / "run"), before);
}

TEST_F(Run, ARunDirectoryHeldByAnotherRunIsRefusedNamingTheHolder) {
  TrainOptions o = small();
  o.max_steps = 2;
  fs::create_directories(root_ / "held");
  {
    const RunLock other(root_ / "held", "--out");  // as another process would hold it
    const std::string error = error_of([&] { train(fresh(o, root_ / "held")); });
    EXPECT_NE(error.find("--out " + (root_ / "held").string() + ": in use by another vkvae run (pid " + std::to_string(::getpid()) + ")"),
              std::string::npos)
        << error;
    EXPECT_THROW(check_run_request(fresh(o, root_ / "held")), UsageError);
  }
  train(fresh(o, root_ / "held"));  // free again: the lock goes with its holder
  const auto before = snapshot(root_ / "held");
  {
    const RunLock other(root_ / "held", "--resume");
    RunRequest r = resume(root_ / "held");
    r.max_steps = 4;
    EXPECT_NE(error_of([&] { train(r); }).find("in use by another vkvae run"), std::string::npos);
  }
  EXPECT_EQ(snapshot(root_ / "held"), before);
}

TEST_F(Run, NonFiniteWeightsOrMomentsAreRefusedWhereverTheyComeFrom) {
  TrainOptions o = small();
  o.max_steps = 2;
  train(fresh(o, root_ / "run"));
  const fs::path last = root_ / "run" / "checkpoints" / "last.safetensors";
  io::SafeTensors file = io::read_safetensors(last);
  for (io::NamedTensor& t : file.tensors) {
    if (t.name == "optimizer.exp_avg_sq.fc1.weight") reinterpret_cast<float*>(t.data.data())[5] = std::nanf("");
  }
  io::write_safetensors(last, file);
  const auto before = snapshot(root_ / "run");
  RunRequest r = resume(root_ / "run");
  r.max_steps = 4;
  const std::string error = error_of([&] { train(r); });
  EXPECT_NE(error.find(last.string() + ": tensor 'optimizer.exp_avg_sq.fc1.weight' holds NaN or infinite values (the first at element 5)"),
            std::string::npos)
      << error;
  EXPECT_EQ(snapshot(root_ / "run"), before);

  // Weights to start from (--init), with an infinity.
  io::SafeTensors weights = io::read_safetensors(root_ / "run" / "checkpoints" / "best.safetensors");
  std::erase_if(weights.tensors, [](const io::NamedTensor& t) { return t.name.rfind("optimizer.", 0) == 0; });
  reinterpret_cast<float*>(weights.tensors[0].data.data())[0] = INFINITY;
  io::write_safetensors(root_ / "inf.safetensors", weights);
  TrainOptions from = o;
  from.init = root_ / "inf.safetensors";
  EXPECT_NE(error_of([&] { train(fresh(from, root_ / "from")); }).find("--init " + from.init.string() + ": tensor '"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "from"));
}

TEST_F(Run, ARunThatDivergesBeforeItsFirstCheckpointSaysSoAndItsDirectoryCanBeReused) {
  TrainOptions o = small();
  o.lr = 1e30;
  const std::string error = error_of([&] { train(fresh(o, root_ / "run")); });
  EXPECT_NE(error.find("no checkpoint had been written yet"), std::string::npos) << error;
  EXPECT_EQ(error.find("last good checkpoint"), std::string::npos) << error;
  EXPECT_TRUE(stopped_before_first_checkpoint(root_ / "run"));
  EXPECT_NE(error_of([&] { train(resume(root_ / "run")); }).find("stopped before its first checkpoint, so there is nothing to resume; start it again with --out"),
            std::string::npos);
  TrainOptions calm = small();
  calm.max_steps = 2;
  Recorder notes;
  train(fresh(calm, root_ / "run"), &notes);
  EXPECT_NE(notes.notes.find("reusing " + (root_ / "run").string()), std::string::npos) << notes.notes;
  EXPECT_TRUE(fs::is_regular_file(root_ / "run" / "checkpoints" / "last.safetensors"));
  EXPECT_EQ(json::parse(std::ifstream(root_ / "run" / "config.json"))["lr"], calm.lr);
}

// What a live front end changes (vkvae-view's learning rate and β) is recorded where a person
// looks: changes.jsonl with its step, config.json, the metrics records and the checkpoint.
TEST_F(Run, LiveChangesAreLoggedWithTheirStepAndRecordedAsGiven) {
  class Steer : public RunControl {
   public:
    Between between_chunks(Session&) override {
      Between b;
      if (calls_++ == 0) b.lr = 2e-3, b.beta = 0.5;
      return b;
    }

   private:
    int calls_ = 0;
  } steer;
  RunRequest r = fresh(small(), root_ / "run");
  r.control = &steer;
  train(r);
  std::ifstream in(root_ / "run" / "changes.jsonl");
  std::vector<json> changes;
  for (std::string line; std::getline(in, line);) changes.push_back(json::parse(line));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["option"], "lr");
  EXPECT_EQ(changes[0]["from"], 1e-3);
  EXPECT_EQ(changes[0]["to"], 2e-3);
  EXPECT_GT(changes[0]["step"].get<int64_t>(), 0);
  EXPECT_EQ(changes[1]["option"], "beta");
  const json config = json::parse(std::ifstream(root_ / "run" / "config.json"));
  EXPECT_EQ(config["lr"], 2e-3);
  EXPECT_EQ(config["beta"], 0.5);
  const auto records = losses(root_ / "run");
  ASSERT_EQ(records.size(), 2u);
  for (const json& record : records) {
    EXPECT_EQ(record["lr"], 2e-3);
    EXPECT_EQ(record["kl_weight"], 0.5);
  }
  const io::SafeTensors last = io::read_safetensors(root_ / "run" / "checkpoints" / "last.safetensors");
  EXPECT_EQ(json::parse(last.metadata.at("config"))["lr"], 2e-3);  // as given, not as a float
}

// The test set is evaluated in bounded submits (8 batches of 256 each, two in flight): a set of
// 9 batches and more takes two, and its first batches come out as a set of one batch does.
TEST_F(Run, EvaluationInBoundedSubmitsCoversEveryImage) {
  test::write_mnist_dir(root_ / "big", 64, 2100);
  const data::Dataset train = data::load_dataset(root_ / "big" / "train-images-idx3-ubyte", root_ / "big" / "train-labels-idx1-ubyte");
  data::Dataset test = data::load_dataset(root_ / "big" / "t10k-images-idx3-ubyte", root_ / "big" / "t10k-labels-idx1-ubyte");
  TrainOptions o = small();
  o.spec.hidden = 16;
  std::vector<int64_t> reported;
  const auto evaluate = [&](const data::Dataset& images) {
    Session session(context(), o, train, images);
    session.start();
    session.init_parameters();
    reported.clear();
    return session.evaluate([&](int64_t done, int64_t total) {
      EXPECT_EQ(total, images.size());
      reported.push_back(done);
    });
  };
  const Evaluation all = evaluate(test);
  ASSERT_EQ(all.recon.size(), 2100u);
  // Progress as the submits end: the first's 8 batches, then all of them.
  EXPECT_EQ(reported, (std::vector<int64_t>{2048, 2100}));
  for (std::size_t i = 0; i < all.recon.size(); ++i) {
    ASSERT_TRUE(std::isfinite(all.recon[i]) && all.recon[i] > 0.0f) << "image " << i << " was not evaluated";
    ASSERT_TRUE(std::isfinite(all.kl[i]) && all.kl[i] >= 0.0f) << "image " << i;
  }
  {
    // Streamed (512 images bind): submits of one batch, each loading its half of the ring.
    const BindingLimit limit(64 * 784);
    const Evaluation streamed = evaluate(test);
    EXPECT_EQ(reported, (std::vector<int64_t>{256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2100}));
    EXPECT_EQ(streamed.recon, all.recon);
    EXPECT_EQ(streamed.kl, all.kl);
  }
  test.images.count = 256;
  test.images.pixels.resize(256 * 784);
  test.labels.resize(256);
  const Evaluation first = evaluate(test);
  for (std::size_t i = 0; i < 256; ++i) {
    ASSERT_EQ(first.recon[i], all.recon[i]) << "image " << i;
    ASSERT_EQ(first.kl[i], all.kl[i]) << "image " << i;
  }
}

TEST_F(Run, TemporaryFilesOfDeadWritersAreSweptThoseOfLiveOnesKept) {
  TrainOptions o = small();
  o.max_steps = 2;
  train(fresh(o, root_ / "run"));
  // pid_max is at most 2²², so no process has this pid.
  const fs::path dead = root_ / "run" / "checkpoints" / ".last.safetensors.tmp.4194305";
  const fs::path live = root_ / "run" / "checkpoints" / (".best.safetensors.tmp." + std::to_string(::getppid()));  // our parent lives
  const fs::path theirs = root_ / "run" / "checkpoints" / "notes.tmp.4194305";  // not a name vkvae writes
  for (const fs::path& p : {dead, live, theirs}) std::ofstream(p) << "partial";
  RunRequest r = resume(root_ / "run");
  r.max_steps = 3;
  train(r);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(theirs));
}

}  // namespace
}  // namespace vkvae::train
