// The device side of a training run: the model's recorded training step over the training set,
// an evaluation program over the test set, and decode programs for pictures — all reading the
// one set of parameters the step trains. The host decides when to run what (train/run.hpp);
// everything numeric happens here, on the device.
#pragma once

#include <functional>
#include <memory>
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
  Session(vk::Context& context, const TrainOptions& options, const data::Dataset& train, const data::Dataset& test);
  ~Session();

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
  const graph::Program& program() const { return step_->program(); }
  const graph::Graph& graph() const { return model_->graph; }

  // Runs `steps` training steps, adding each step's sums of per-example losses to `running`
  // in step order (so the totals do not depend on how a run groups its steps). A non-finite
  // gradient stops the updates on the device and sets `running.nonfinite`.
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
  // A split bound whole: its images (and labels) uploaded once. A streamed split: its ring, with
  // the staging memory that feeds it.
  void upload_dataset(graph::Program& program, const models::VaeGraph& model, const data::Dataset& data);
  std::unique_ptr<DataStream> stream_dataset(graph::Program& program, const models::VaeGraph& model, const data::Dataset& data,
                                             const SplitResidency& residency, int64_t batch);
  // Whether the graphs' first loss term is the importance-weighted bound (whose recon part is
  // the bound less the KL term), not the ELBO's recon term.
  bool bound_terms() const { return options_.objective == models::Objective::iwae; }
  template <typename T>
  void put(const graph::Program& program, graph::TensorId id, std::span<const T> values);
  // Queues `commands` on the run's timeline and returns the value it signals when done.
  uint64_t submit_async(std::span<const VkCommandBuffer> commands);
  // Waits until the timeline reaches `value` (finite: the context's timeout), counting the time.
  void wait_for(uint64_t value);
  void submit(std::span<const VkCommandBuffer> commands);  // submit_async, then wait_for

  vk::Context& context_;
  TrainOptions options_;
  int64_t train_size_, test_size_, eval_batch_ = 0, steps_per_epoch_;
  std::unique_ptr<ops::Kernels> kernels_;
  std::unique_ptr<models::VaeGraph> model_;
  std::unique_ptr<TrainStep> step_;
  std::unique_ptr<MetricsReadback> metrics_;
  std::unique_ptr<vk::CommandBuffer> one_step_;
  std::vector<ParameterSlot> slots_;
  std::vector<uint32_t> order_;
  DataResidency residency_;
  // A streamed training set: its ring, the two recorded loads of its halves, and where in the
  // epoch's order the next step starts (the device's cursor then runs round the ring instead).
  std::unique_ptr<DataStream> train_stream_;
  std::unique_ptr<vk::CommandBuffer> loads_[2];
  int64_t position_ = 0;

  std::unique_ptr<models::VaeGraph> eval_model_;
  std::unique_ptr<graph::Program> eval_;
  std::vector<std::unique_ptr<vk::CommandBuffer>> eval_commands_;  // eval_batches_per_submit_ batches each
  int64_t eval_batches_per_submit_ = 0;
  std::unique_ptr<DataStream> test_stream_;  // a streamed test set: each submit loads its half first
  std::unique_ptr<vk::Buffer> eval_results_;

  // Pictures, each with its own copy of the weights (taken when drawn).
  std::unique_ptr<GridDecoder> samples_, manifold_;
  std::unique_ptr<Reconstructor> reconstructor_;
  vk::TimelineSemaphore timeline_;
  uint64_t submitted_ = 0;
  double host_wait_seconds_ = 0.0;
};

}  // namespace vkvae::train
