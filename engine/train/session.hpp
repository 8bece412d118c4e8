// The device side of a training run: the model's recorded training step over the training set,
// an evaluation program over the test set, and decode programs for pictures — all reading the
// one set of parameters the step trains. The host decides when to run what (train/run.hpp);
// everything numeric happens here, on the device.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "data/idx.hpp"
#include "graph/program.hpp"
#include "models/vae.hpp"
#include "ops/random.hpp"
#include "train/data_residency.hpp"
#include "train/metrics.hpp"
#include "train/options.hpp"
#include "train/step.hpp"

namespace vkvae::train {

// Per-example losses over a dataset, in dataset order (nats).
struct Evaluation {
  std::vector<float> recon, kl;
  double mean_recon() const;
  double mean_kl() const;
};

// An RGBA8 picture, row-major.
struct Picture {
  uint32_t width = 0, height = 0;
  std::vector<uint32_t> pixels;
};
// An image grid (ops::image_grid's output) read back from the device.
Picture download_picture(vk::Context& context, const ops::Tensor& grid, ops::GridSize size);

class DataStream;
class GridDecoder;
class Reconstructor;
class Replica;
class Peers;

// Parameters in the flat arena: name, shape and where they start (in elements).
struct ParameterSlot {
  std::string name;
  ops::Shape shape;
  uint64_t offset = 0;
};

// Everything on the device that a resumed run needs: the arenas and the counters.
struct DeviceState {
  std::vector<float> parameters, m, v;  // flat, in the arena's layout
  uint32_t step = 0, cursor = 0;
  ops::RngState rng;
};

class Session {
 public:
  // `test` may be empty (no evaluation). Both must outlive the session: a split that does not
  // fit the device streams from them (train/data_residency.hpp). Throws UsageError when the
  // batch is larger than the training set, or a split cannot be bound even as a stream.
  // `more_devices`: data-parallel training, a replica on `context` and one on each of these
  // (they must outlive the session), options.shards spread over them (train/step.hpp).
  // Evaluation and pictures run on `context`. `peers`: this process is one rank of several, each
  // with as many replicas; rank 0 leads (below), and evaluates and draws alone. `bucket_bytes`:
  // how the replicas' gradients leave (train/gradient_buckets.hpp), the same on every rank.
  Session(vk::Context& context, const TrainOptions& options, const data::Dataset& train, const data::Dataset& test,
          std::span<vk::Context* const> more_devices = {}, Peers* peers = nullptr, uint64_t bucket_bytes = kDefaultBucketBytes);
  // Rank 0's session tells the others it has ended.
  ~Session();

  // A rank other than 0: makes every change to the training state rank 0's session makes, as rank
  // 0 makes it (each public call below that changes the state is sent to the others before it is
  // carried out), until rank 0's session ends.
  void follow();

  std::size_t replicas() const { return replicas_.size(); }
  // The buckets each replica's gradients leave in (1 for a replica alone).
  uint32_t gradient_buckets() const;
  // The largest difference between replica 0's parameters and optimizer state and another's
  // (0 when they agree bit for bit, as replicas on devices of one kind do). When they differ
  // (devices of different kinds round the optimizer's division and square root each their own
  // way), replica 0's state is copied to the others.
  double align_replicas();

  // Where the splits live on the device; its note is for the run's log.
  const DataResidency& residency() const { return residency_; }

  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  const std::vector<ParameterSlot>& parameters() const { return slots_; }
  uint64_t parameter_count() const;

  // PyTorch's default initialization (uniform ±1/√fan_in for weights and biases, fan_in from
  // the weight as PyTorch computes it), drawn from the seed's init stream.
  void init_parameters();
  // The RNG, counters, optimizer state… as a new run starts them.
  void start();
  // Readies epoch `epoch` (0-based): its order (a shuffle keyed by seed and epoch), its KL
  // weight, and the cursor after `steps_done` of its steps.
  void begin_epoch(int64_t epoch, int64_t steps_done);

  // Live changes between steps (vkvae-view): the learning rate, and the KL weight (β-scaled,
  // per example) of the steps that follow.
  void set_learning_rate(double lr);
  void set_kl_weight(double weight);
  // The training program and its graph (parameters by name, for snapshots of the weights).
  const graph::Program& program() const;
  const graph::Graph& graph() const;

  // Runs `steps` training steps, adding each step's sums of per-example losses to `running`
  // in step order, shard by shard (so the totals do not depend on how a run groups its steps or
  // spreads its shards). A non-finite gradient stops the updates on the device and sets
  // `running.nonfinite`. Several replicas step in lockstep: each submit computes their shards'
  // gradients, the host exchanges them, the next submit updates and computes the next step's.
  struct Sums {
    double recon = 0.0, kl = 0.0;
    bool nonfinite = false;
  };
  void train(int64_t steps, Sums& running);

  // The test set, one noise draw per example (the same draw at every call). `progress(done,
  // total)` (images) is called as its submits end.
  Evaluation evaluate(const std::function<void(int64_t, int64_t)>& progress = {});
  // 8×8 samples from fixed prior noise (conditional models: 10 rows, one digit each).
  Picture samples();
  // The first 32 test images (left) beside their reconstructions (right).
  Picture reconstructions();
  // For a 2-D latent space: a 20×20 grid of decoded z over [-3, 3]². Empty otherwise.
  Picture manifold();

  // A readable profile of one training step — GPU time by op (timestamps), the step's
  // dispatches, barriers and memory, host and wall time per step over `steps` timed steps, and
  // over `steps` more on training's own path (pipelined submits) how busy the device is and how
  // long the host waits — that leaves the run as it was: the state is saved before and restored
  // after.
  std::string profile(int64_t steps);

  DeviceState save();
  void load(const DeviceState& state);
  // Named f32 values (a checkpoint's, or PyTorch's) into the parameter arena.
  void load_parameters(const std::vector<float>& arena);

 private:
  // Whether the graphs' first loss term is the importance-weighted bound (whose recon part is
  // the bound less the KL term), not the ELBO's recon term.
  bool bound_terms() const { return options_.objective == models::Objective::iwae; }
  // A step's loss sums as the replicas' metrics slot `slot` holds them, added to `running`
  // shard by shard in the batch's order.
  void add_step_sums(uint32_t slot, Sums& running) const;
  void train_alone(int64_t steps, Sums& running);
  void train_in_lockstep(int64_t steps, Sums& running);
  void put_eval(graph::TensorId id, std::span<const std::byte> bytes);

  // What rank 0 sends the other ranks: each change to the training state, with its arguments.
  // `keep_waiting`: rank 0 is busy alone (evaluating) and alive; the others' wait for its next
  // order starts again, so that it is bounded by a submit, not by the test set.
  enum class Order : uint32_t { start, load_parameters, load, begin_epoch, set_learning_rate, set_kl_weight, train, profile, keep_waiting, end };
  void tell(Order order, int64_t a = 0, int64_t b = 0, double x = 0.0, std::span<const std::byte> payload = {});
  // The changes themselves, as rank 0 and the others carry them out.
  void do_start();
  void do_load_parameters(std::span<const float> arena);
  void do_load(const DeviceState& state);
  void do_begin_epoch(int64_t epoch, int64_t steps_done);
  void do_set_learning_rate(double lr);
  void do_set_kl_weight(double weight);
  void do_train(int64_t steps, Sums& running);
  std::string do_profile(int64_t steps);
  Replica& primary() const { return *replicas_.front(); }
  // Where the host's time went in train() (for the profile): waiting for the devices, summed over
  // the replicas; exchanging their gradients is exchange_seconds_, of which the last bucket's
  // (exchanged when the devices have finished the backward pass) is exposed_exchange_seconds_.
  double host_wait_seconds() const;

  vk::Context& context_;
  TrainOptions options_;
  int64_t train_size_, test_size_, eval_batch_ = 0, steps_per_epoch_;
  std::vector<std::unique_ptr<Replica>> replicas_;  // the first on context_
  std::vector<ParameterSlot> slots_;
  std::vector<uint32_t> order_;
  DataResidency residency_;
  // A streamed training set: where in the epoch's order the next step starts (the devices'
  // cursors then run round their rings instead).
  int64_t position_ = 0;
  double exchange_seconds_ = 0.0, exposed_exchange_seconds_ = 0.0;
  ExchangeScratch exchange_scratch_;
  Peers* peers_ = nullptr;

  std::unique_ptr<models::VaeGraph> eval_model_;
  std::unique_ptr<graph::Program> eval_;
  std::vector<std::unique_ptr<vk::CommandBuffer>> eval_commands_;  // eval_batches_per_submit_ batches each
  int64_t eval_batches_per_submit_ = 0;
  std::unique_ptr<DataStream> test_stream_;  // a streamed test set: each submit loads its half first
  std::unique_ptr<vk::Buffer> eval_results_;

  // Pictures, each with its own copy of the weights (taken when drawn).
  std::unique_ptr<GridDecoder> samples_, manifold_;
  std::unique_ptr<Reconstructor> reconstructor_;
};

}  // namespace vkvae::train
