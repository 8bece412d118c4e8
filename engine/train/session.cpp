#include "train/session.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "train/checkpoint.hpp"
#include "train/data_stream.hpp"
#include "train/grid_decoder.hpp"
#include "train/reconstructor.hpp"
#include "train/replica.hpp"
#include "train/gradient_tree.hpp"
#include "train/peers.hpp"
#include "ops/data.hpp"
#include "util/error.hpp"
#include "util/identity_order.hpp"

namespace vkvae::train {
namespace {

using graph::Program;
using graph::Role;
using graph::TensorId;

// One replica alone: training steps go in submits of at most kStepsPerSubmit, two in flight:
// the host reads one's metrics while the device runs the next, so the device never waits for the
// host inside a chunk of steps. Each step is followed by a snapshot of its loss sums into a slot
// of its own (each submit in flight has its own half of the ring), so the host adds them up in
// step order, in double precision, however the steps were grouped — a resumed run reports the
// very same numbers.
constexpr uint32_t kStepsPerSubmit = Replica::kStepsPerSubmit;
constexpr uint32_t kSubmitsInFlight = Replica::kSubmitsInFlight;
// The test set is evaluated in batches of this many (fewer if the test set is smaller).
constexpr int64_t kEvalBatch = 256;
constexpr int64_t kEvalBatchesPerSubmit = 8;
// Pictures: 8 × 8 tiles; the reconstruction grid shows 32 test images and their reconstructions.
constexpr int64_t kSamples = 64, kReconShown = 32;
constexpr uint32_t kManifoldSide = 20;

double mean(const std::vector<float>& values) {
  double sum = 0.0;
  for (float v : values) sum += static_cast<double>(v);
  return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}

}  // namespace

double Evaluation::mean_recon() const { return mean(recon); }
double Evaluation::mean_kl() const { return mean(kl); }

const Program& Session::program() const { return primary().program(); }
const graph::Graph& Session::graph() const { return primary().model().graph; }
uint32_t Session::gradient_buckets() const { return replicas_.front()->step().gradient_parts(); }

Session::Session(vk::Context& context, const TrainOptions& options, const data::Dataset& train, const data::Dataset& test,
                 std::span<vk::Context* const> more_devices, Peers* peers, uint64_t bucket_bytes)
    : context_(context),
      options_(options),
      train_size_(train.size()),
      test_size_(peers != nullptr && peers->rank() != 0 ? 0 : test.size()),  // rank 0 evaluates alone
      steps_per_epoch_(train.size() / options.batch),
      peers_(peers) {
  if (options.batch > train_size_) {
    throw UsageError("--batch " + std::to_string(options.batch) + " is larger than the training set (" + std::to_string(train_size_) +
                     " images); use a smaller batch or more data");
  }
  // Replicas: as many on each rank, numbered rank by rank.
  const auto local = static_cast<uint32_t>(1 + more_devices.size());
  const auto ranks = static_cast<uint32_t>(peers != nullptr ? peers->size() : 1);
  const uint32_t replicas = local * ranks, first_replica = local * static_cast<uint32_t>(peers != nullptr ? peers->rank() : 0);
  if (options_.shards == 0) options_.shards = replicas;  // a run's own default: one a device
  if (const std::string problem = shard_split_problem(options_.batch, options_.shards, replicas); !problem.empty()) {
    throw UsageError("--shards " + std::to_string(options_.shards) + ": " + problem);
  }
  const bool conditional = options.conditional();
  if (test_size_ > 0) eval_batch_ = std::min(test_size_, kEvalBatch);
  // One plan for every replica, within the smallest device's limits, so that they step alike.
  ResidencyLimits limits = ResidencyLimits::of(context.info());
  for (const vk::Context* other : more_devices) limits = limits.within(ResidencyLimits::of(other->info()));
  residency_ = plan_data(limits, "--data " + options.data.string(), static_cast<uint64_t>(options.pixels()), train_size_, options.batch,
                         kStepsPerSubmit, test_size_, eval_batch_, kEvalBatchesPerSubmit);

  // Training: a replica a device, each with the step over its shards of the training set (or
  // over its ring).
  for (uint32_t r = 0; r < local; ++r) {
    vk::Context& device = r == 0 ? context : *more_devices[r - 1];
    replicas_.push_back(std::make_unique<Replica>(device, options_, train, residency_.train, first_replica + r, replicas, bucket_bytes));
  }
  const Program& p = primary().program();
  const models::VaeGraph& model = primary().model();
  slots_ = parameter_slots(model.graph, model.parameters, p);
  ops::Kernels& kernels = primary().kernels();

  // Evaluation: the same graph over the test set, forward only, on the step's parameters, with
  // its own order, cursor and RNG.
  if (test_size_ > 0) {
    models::VaeConfig eval_config = options.training_config(residency_.test.rows);
    eval_config.batch = eval_batch_;
    eval_model_ = models::build_vae(eval_config);
    eval_ = std::make_unique<Program>(context, kernels, eval_model_->graph, std::vector<TensorId>{eval_model_->recon, eval_model_->kl},
                                      graph::bind_by_name(eval_model_->graph, p, model.graph, {Role::parameter}));
    // The gathers read the test set (or its ring) in order.
    const std::vector<uint32_t> identity = identity_order(residency_.test.rows);
    put_eval(eval_model_->order, std::as_bytes(std::span<const uint32_t>(identity)));
    if (residency_.test.streamed) {
      test_stream_ = std::make_unique<DataStream>(context, test, eval_->tensor(eval_model_->images),
                                                  eval_model_->labels.valid() ? eval_->tensor(eval_model_->labels) : ops::Tensor{},
                                                  residency_.test.half_rows(eval_batch_));
      eval_batches_per_submit_ = residency_.test.batches_per_half;
    } else {
      put_eval(eval_model_->images, std::as_bytes(std::span<const uint8_t>(test.images.pixels)));
      if (eval_model_->labels.valid()) put_eval(eval_model_->labels, std::as_bytes(std::span<const uint8_t>(test.labels)));
      eval_batches_per_submit_ = kEvalBatchesPerSubmit;
    }

    const int64_t batches = (test_size_ + eval_batch_ - 1) / eval_batch_;
    eval_results_ = std::make_unique<vk::Buffer>(context.buffer(static_cast<VkDeviceSize>(2 * batches * eval_batch_) * sizeof(float),
                                                                vk::MemoryUse::Readback));
    // A command buffer for each eval_batches_per_submit_ batches, so that no submit grows with
    // the test set; the batches' counters carry on from one to the next on the device. A
    // streamed test set's submits each load their half of the ring first.
    const ops::Tensor recon = eval_->tensor(eval_model_->recon), kl = eval_->tensor(eval_model_->kl);
    const VkDeviceSize batch_bytes = static_cast<VkDeviceSize>(eval_batch_) * sizeof(float);
    const VkDeviceSize kl_base = static_cast<VkDeviceSize>(batches) * batch_bytes;
    for (int64_t first = 0; first < batches; first += eval_batches_per_submit_) {
      eval_commands_.push_back(std::make_unique<vk::CommandBuffer>(context.commands()));
      vk::CommandBuffer& c = *eval_commands_.back();
      c.begin(vk::CommandBuffer::Use::kReplay);
      // After the previous submit's writes (counters, activations), as if in one buffer.
      c.barrier(vk::kComputeWrite | vk::kTransferWrite, vk::kComputeRead | vk::kComputeWrite);
      if (test_stream_) test_stream_->record_load(c, static_cast<int>(eval_commands_.size() - 1) % 2);
      for (int64_t b = first; b < std::min(batches, first + eval_batches_per_submit_); ++b) {
        eval_->record(c);  // the last batch wraps around to the first examples; those are not read
        c.copy(*recon.buffer, recon.offset, *eval_results_, static_cast<VkDeviceSize>(b) * batch_bytes, batch_bytes);
        c.copy(*kl.buffer, kl.offset, *eval_results_, kl_base + static_cast<VkDeviceSize>(b) * batch_bytes, batch_bytes);
        c.barrier(vk::kTransferRead, vk::kComputeWrite);
        ops::Encoder enc(kernels, c);
        ops::advance_counters(enc, eval_->tensor(eval_model_->step), eval_->tensor(eval_model_->rng), eval_->tensor(eval_model_->cursor),
                              static_cast<uint32_t>(eval_batch_));
      }
      c.barrier(vk::kComputeWrite | vk::kTransferWrite, vk::kHostRead | vk::kComputeRead);
      c.end();
    }
  }

  // Pictures.
  samples_ = std::make_unique<GridDecoder>(context, kernels, options, conditional ? options.classes * 8 : kSamples, 8);
  if (options.latent() == 2) {
    manifold_ = std::make_unique<GridDecoder>(context, kernels, options, int64_t{kManifoldSide} * kManifoldSide, kManifoldSide);
  }
  if (test_size_ > 0) reconstructor_ = std::make_unique<Reconstructor>(context, kernels, options, test, kReconShown, 8);
}

Session::~Session() {
  // Evaluation and pictures submit on the first replica's timeline: its work must end before
  // their memory goes.
  for (const std::unique_ptr<Replica>& r : replicas_) r->settle();
  // An error on its way out ends the process, and the launcher the other ranks.
  if (std::uncaught_exceptions() == 0) {
    try {
      tell(Order::end);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vkvae: warning: %s\n", e.what());
    }
  }
}

namespace {

// An order on the wire: what it is, its numbers, then its payload.
struct OrderHeader {
  uint32_t order;
  int64_t a, b;
  double x;
};

template <typename T>
void append(std::vector<std::byte>& bytes, std::span<const T> values) {
  const std::size_t at = bytes.size();
  bytes.resize(at + values.size_bytes());
  if (!values.empty()) std::memcpy(bytes.data() + at, values.data(), values.size_bytes());
}

std::vector<std::byte> encode_state(const DeviceState& s) {
  std::vector<std::byte> bytes;
  const uint64_t n = s.parameters.size();
  append(bytes, std::span<const uint64_t>(&n, 1));
  append(bytes, std::span<const uint32_t>(&s.step, 1));
  append(bytes, std::span<const uint32_t>(&s.cursor, 1));
  append(bytes, std::span<const ops::RngState>(&s.rng, 1));
  for (const std::vector<float>* v : {&s.parameters, &s.m, &s.v}) append(bytes, std::span<const float>(*v));
  return bytes;
}

DeviceState decode_state(std::span<const std::byte> bytes) {
  DeviceState s;
  std::size_t at = 0;
  const auto take = [&](void* out, std::size_t size) {
    if (at + size > bytes.size()) throw Error("internal: a device state cut short on the wire");
    std::memcpy(out, bytes.data() + at, size);
    at += size;
  };
  uint64_t n = 0;
  take(&n, sizeof n);
  take(&s.step, sizeof s.step);
  take(&s.cursor, sizeof s.cursor);
  take(&s.rng, sizeof s.rng);
  for (std::vector<float>* v : {&s.parameters, &s.m, &s.v}) {
    v->resize(n);
    take(v->data(), n * sizeof(float));
  }
  return s;
}

}  // namespace

void Session::tell(Order order, int64_t a, int64_t b, double x, std::span<const std::byte> payload) {
  if (peers_ == nullptr || peers_->rank() != 0) return;
  const OrderHeader header{static_cast<uint32_t>(order), a, b, x};
  std::vector<std::byte> bytes;
  append(bytes, std::span<const OrderHeader>(&header, 1));
  append(bytes, payload);
  peers_->broadcast(bytes);
}

void Session::follow() {
  if (peers_ == nullptr || peers_->rank() == 0) throw Error("internal: only a rank other than 0 follows");
  while (true) {
    std::vector<std::byte> bytes;
    peers_->broadcast(bytes);
    OrderHeader h{};
    if (bytes.size() < sizeof h) throw Error("internal: an order cut short on the wire");
    std::memcpy(&h, bytes.data(), sizeof h);
    const std::span<const std::byte> payload = std::span<const std::byte>(bytes).subspan(sizeof h);
    Sums ignored;
    switch (static_cast<Order>(h.order)) {
      case Order::start: do_start(); break;
      case Order::load_parameters: {
        std::vector<float> arena(payload.size() / sizeof(float));
        std::memcpy(arena.data(), payload.data(), arena.size() * sizeof(float));
        do_load_parameters(arena);
        break;
      }
      case Order::load: do_load(decode_state(payload)); break;
      case Order::begin_epoch: do_begin_epoch(h.a, h.b); break;
      case Order::set_learning_rate: do_set_learning_rate(h.x); break;
      case Order::set_kl_weight: do_set_kl_weight(h.x); break;
      case Order::train: do_train(h.a, ignored); break;
      case Order::profile: do_profile(h.a); break;
      case Order::keep_waiting: break;
      case Order::end: return;
      default: throw Error("internal: an unknown order " + std::to_string(h.order));
    }
  }
}

void Session::put_eval(TensorId id, std::span<const std::byte> bytes) { primary().put_bytes(*eval_, id, bytes); }

uint64_t Session::parameter_count() const {
  return static_cast<uint64_t>(program().parameter_arena().numel());
}

double Session::host_wait_seconds() const {
  double seconds = 0.0;
  for (const std::unique_ptr<Replica>& r : replicas_) seconds += r->host_wait_seconds();
  return seconds;
}

void Session::init_parameters() {
  std::vector<float> arena(parameter_count(), 0.0f);
  const ops::RngState state = ops::RngState::from(options_.seed, 0);
  float bound = 0.0f;
  for (const ParameterSlot& slot : slots_) {
    // Weights come before their biases, and a bias takes its weight's bound (as PyTorch does).
    if (slot.shape.rank() >= 2) {
      const int64_t fan_in = slot.shape.numel() / slot.shape[0];  // size(1) × the kernel's taps
      bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
    }
    for (int64_t i = 0; i < slot.shape.numel(); ++i) {
      const uint64_t at = slot.offset + static_cast<uint64_t>(i);
      const float u = ops::standard_uniform(state, ops::RngStream::init, static_cast<uint32_t>(at));
      arena[at] = (2.0f * u - 1.0f) * bound;
    }
  }
  load_parameters(arena);
}

void Session::load_parameters(const std::vector<float>& arena) {
  tell(Order::load_parameters, 0, 0, 0.0, std::as_bytes(std::span<const float>(arena)));
  do_load_parameters(arena);
}

void Session::do_load_parameters(std::span<const float> arena) {
  for (const std::unique_ptr<Replica>& r : replicas_) r->upload_arena(0, arena);
}

void Session::start() {
  tell(Order::start);
  do_start();
}

void Session::do_start() {
  ops::OptimizerHyper hyper;
  hyper.lr = static_cast<float>(options_.lr);
  hyper.weight_decay = static_cast<float>(options_.weight_decay);
  const float recon_weight = 1.0f / static_cast<float>(options_.batch);  // the whole batch's, in every shard
  for (const std::unique_ptr<Replica>& r : replicas_) {
    r->step().reset(options_.seed, hyper);  // (set_learning_rate writes the same tensor later)
    r->put(r->model().recon_weight, std::span<const float>(&recon_weight, 1));
  }
}

void Session::set_learning_rate(double lr) {
  tell(Order::set_learning_rate, 0, 0, lr);
  do_set_learning_rate(lr);
}

void Session::do_set_learning_rate(double lr) {
  options_.lr = lr;
  ops::OptimizerHyper hyper;
  hyper.lr = static_cast<float>(lr);
  hyper.weight_decay = static_cast<float>(options_.weight_decay);
  for (const std::unique_ptr<Replica>& r : replicas_) r->put(r->step().hyper(), std::span<const ops::OptimizerHyper>(&hyper, 1));
}

void Session::set_kl_weight(double weight) {
  tell(Order::set_kl_weight, 0, 0, weight);
  do_set_kl_weight(weight);
}

void Session::do_set_kl_weight(double weight) {
  const float per_batch = static_cast<float>(weight / static_cast<double>(options_.batch));
  for (const std::unique_ptr<Replica>& r : replicas_) r->put(r->model().kl_weight, std::span<const float>(&per_batch, 1));
}

void Session::begin_epoch(int64_t epoch, int64_t steps_done) {
  tell(Order::begin_epoch, epoch, steps_done);
  do_begin_epoch(epoch, steps_done);
}

void Session::do_begin_epoch(int64_t epoch, int64_t steps_done) {
  // Fisher–Yates, keyed by (seed, epoch): a resumed run draws the same order.
  order_.resize(static_cast<std::size_t>(train_size_));
  std::iota(order_.begin(), order_.end(), 0u);
  const ops::RngState state = ops::RngState::from(options_.seed, static_cast<uint64_t>(epoch));
  for (std::size_t i = order_.size() - 1; i > 0; --i) {
    const uint32_t bits = ops::random_bits(state, ops::RngStream::shuffle, static_cast<uint32_t>(i));
    const auto j = static_cast<std::size_t>((uint64_t{bits} * (i + 1)) >> 32);
    std::swap(order_[i], order_[j]);
  }
  if (residency_.train.streamed) {
    position_ = steps_done * options_.batch;  // the host stages the batches in this order
  } else {
    const uint32_t cursor = static_cast<uint32_t>(steps_done * options_.batch);
    for (const std::unique_ptr<Replica>& r : replicas_) {
      r->put(r->model().order, std::span<const uint32_t>(order_));
      r->put(r->model().cursor, std::span<const uint32_t>(&cursor, 1));
    }
  }
  do_set_kl_weight(options_.kl_weight(epoch));
}

void Session::add_step_sums(uint32_t slot, Sums& running) const {
  // A (recon, KL) pair a shard, this process's replicas in order, then the non-finite flag
  // (raised on every replica alike: they sum the same gradients); every rank's in rank order.
  std::vector<float> sums;
  for (const std::unique_ptr<Replica>& r : replicas_) {
    const std::vector<float> local = r->metrics().read(slot);
    sums.insert(sums.end(), local.begin(), local.end());
  }
  uint32_t flag = primary().metrics().read_watched(slot)[0];
  sums.push_back(std::bit_cast<float>(flag));
  if (peers_ != nullptr) {
    std::vector<float> all(sums.size() * static_cast<std::size_t>(peers_->size()));
    peers_->all_gather(std::as_bytes(std::span<const float>(sums)), std::as_writable_bytes(std::span<float>(all)));
    for (std::size_t at = sums.size() - 1; at < all.size(); at += sums.size()) flag |= std::bit_cast<uint32_t>(all[at]);
    sums = std::move(all);
  }
  const std::size_t per_rank = replicas_.size() * 2 * primary().local_shards() + 1;
  for (std::size_t rank = 0; rank < sums.size() / per_rank; ++rank) {
    for (std::size_t j = rank * per_rank; j + 1 < (rank + 1) * per_rank; j += 2) {
      running.recon += static_cast<double>(sums[j]) - (bound_terms() ? static_cast<double>(sums[j + 1]) : 0.0);
      running.kl += static_cast<double>(sums[j + 1]);
    }
  }
  running.nonfinite = running.nonfinite || flag != 0;
}

void Session::train(int64_t steps, Sums& running) {
  tell(Order::train, steps);
  do_train(steps, running);
}

void Session::do_train(int64_t steps, Sums& running) {
  // A streamed training set: the ring's cursor starts each call at its start (nothing is in
  // flight between calls).
  if (residency_.train.streamed) {
    const uint32_t zero = 0;
    for (const std::unique_ptr<Replica>& r : replicas_) r->put(r->model().cursor, std::span<const uint32_t>(&zero, 1));
  }
  if (replicas_.size() == 1 && peers_ == nullptr) {
    train_alone(steps, running);
  } else {
    train_in_lockstep(steps, running);
  }
}

void Session::train_alone(int64_t steps, Sums& running) {
  Replica& r = primary();
  struct InFlight {
    uint64_t value;
    uint32_t first_slot, steps;
  };
  std::vector<InFlight> in_flight;
  // The oldest submit's metrics, in step order (so the totals do not depend on the grouping).
  const auto retire = [&] {
    const InFlight done = in_flight.front();
    in_flight.erase(in_flight.begin());
    r.wait_for(done.value);
    for (uint32_t s = 0; s < done.steps; ++s) add_step_sums(done.first_slot + s, running);
  };
  // A streamed training set: submit j reads half j mod 2 of the data ring.
  DataStream* stream = r.stream();
  const int64_t per_submit = stream ? residency_.train.batches_per_half : int64_t{kStepsPerSubmit};
  uint32_t half = 0;
  for (int64_t done = 0; done < steps;) {
    const auto n = static_cast<uint32_t>(std::min<int64_t>(steps - done, per_submit));
    if (in_flight.size() == kSubmitsInFlight) retire();  // its halves of the rings are reused next
    const uint32_t first = half * kStepsPerSubmit;
    std::vector<VkCommandBuffer> commands;
    if (stream) {
      stream->stage(static_cast<int>(half), order_, position_, int64_t{n} * options_.batch);
      position_ += int64_t{n} * options_.batch;
      commands.push_back(r.load(static_cast<int>(half)).handle());
    }
    for (uint32_t s = 0; s < n; ++s) {
      commands.push_back(r.whole_step().handle());
      commands.push_back(r.metrics().snapshot(first + s).handle());
    }
    in_flight.push_back({r.submit_async(commands), first, n});
    half = (half + 1) % kSubmitsInFlight;
    done += n;
  }
  while (!in_flight.empty()) retire();
}

void Session::train_in_lockstep(int64_t steps, Sums& running) {
  // Each step, a submit a gradient part: the first begins with the previous step's update and the
  // snapshot of its sums, then (a streamed set: the load of the ring half its batches are in,
  // staged once the steps reading that half before are done) this step's gradients. The host
  // exchanges each part's bucket as soon as every replica has finished it, while the devices
  // compute the next parts.
  const int64_t per_half = residency_.train.streamed ? residency_.train.batches_per_half : steps;
  const uint32_t slots = primary().metrics().slots();
  const uint32_t parts = primary().step().gradient_parts();
  std::vector<TrainStep*> steps_of;
  for (const std::unique_ptr<Replica>& r : replicas_) steps_of.push_back(&r->step());
  std::vector<std::vector<uint64_t>> pending(replicas_.size(), std::vector<uint64_t>(parts, 0));
  const auto wait_all = [&](uint32_t part) {
    for (std::size_t r = 0; r < replicas_.size(); ++r) replicas_[r]->wait_for(pending[r][part]);
  };
  std::optional<uint32_t> updating;  // the metrics slot of a step whose update is still to come
  for (int64_t done = 0; done < steps; ++done) {
    const bool load = residency_.train.streamed && done % per_half == 0;
    const int half = static_cast<int>((done / per_half) % 2);
    const int64_t rows = std::min(per_half, steps - done) * options_.batch;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      Replica& replica = *replicas_[r];
      std::vector<VkCommandBuffer> commands;
      if (updating) {
        commands.push_back(replica.update().handle());
        commands.push_back(replica.metrics().snapshot(*updating).handle());
      }
      if (load) {
        replica.stream()->stage(half, order_, position_, rows);
        commands.push_back(replica.load(half).handle());
      }
      for (uint32_t part = 0; part < parts; ++part) {
        commands.push_back(replica.gradients(part).handle());
        pending[r][part] = replica.submit_async(commands);
        commands.clear();
      }
    }
    if (load) position_ += rows;
    for (uint32_t part = 0; part < parts; ++part) {
      wait_all(part);
      const auto start = std::chrono::steady_clock::now();
      exchange_gradients(steps_of, part, peers_, exchange_scratch_);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      exchange_seconds_ += seconds;
      if (part + 1 == parts) exposed_exchange_seconds_ += seconds;
    }
    if (updating) add_step_sums(*updating, running);
    updating = static_cast<uint32_t>(done % slots);
  }
  if (!updating) return;
  std::vector<uint64_t> updated(replicas_.size());
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    const VkCommandBuffer commands[] = {replicas_[r]->update().handle(), replicas_[r]->metrics().snapshot(*updating).handle()};
    updated[r] = replicas_[r]->submit_async(commands);
  }
  for (std::size_t r = 0; r < replicas_.size(); ++r) replicas_[r]->wait_for(updated[r]);
  add_step_sums(*updating, running);
}

Evaluation Session::evaluate(const std::function<void(int64_t, int64_t)>& progress) {
  if (!eval_) return {};
  // The same noise at every evaluation: the RNG restarts from a key of its own.
  const ops::RngState rng = ops::RngState::from(options_.seed ^ 0x6576616c75617465ull, 0);  // "evaluate"
  put_eval(eval_model_->rng, std::as_bytes(std::span<const ops::RngState>(&rng, 1)));
  const uint32_t zero = 0;
  put_eval(eval_model_->cursor, std::as_bytes(std::span<const uint32_t>(&zero, 1)));
  put_eval(eval_model_->step, std::as_bytes(std::span<const uint32_t>(&zero, 1)));
  Replica& r = primary();
  // Bounded submits, two in flight; the host waits only for the one before the last (which read
  // the half of a streamed test set's ring that the next submit loads).
  const int64_t per_submit = eval_batches_per_submit_ * eval_batch_;
  const auto done_after = [&](std::size_t submits) { return std::min(test_size_, static_cast<int64_t>(submits) * per_submit); };
  uint64_t last = 0, before_last = 0;
  // The wait for the submit before the last one (`submits` made so far); the other ranks, waiting
  // for rank 0's next order meanwhile, are told it is alive.
  const auto wait_before_last = [&](std::size_t submits) {
    if (before_last == 0) return;
    r.wait_for(before_last);
    if (progress) progress(done_after(submits - 1), test_size_);
    tell(Order::keep_waiting);
  };
  for (std::size_t i = 0; i < eval_commands_.size(); ++i) {
    const VkCommandBuffer c = eval_commands_[i]->handle();
    wait_before_last(i);
    if (test_stream_) {
      const int64_t first = static_cast<int64_t>(i) * per_submit;
      test_stream_->stage(static_cast<int>(i % 2), {}, first, std::min(per_submit, test_size_ - first));
    }
    before_last = last;
    last = r.submit_async(std::span<const VkCommandBuffer>(&c, 1));
  }
  wait_before_last(eval_commands_.size());
  r.wait_for(last);
  if (progress) progress(test_size_, test_size_);

  const int64_t batches = (test_size_ + eval_batch_ - 1) / eval_batch_;
  const auto n = static_cast<std::size_t>(test_size_);
  Evaluation e;
  e.recon.resize(n);
  e.kl.resize(n);
  const std::byte* base = eval_results_->mapped();
  eval_results_->invalidate(0, VK_WHOLE_SIZE);
  std::memcpy(e.recon.data(), base, n * sizeof(float));
  std::memcpy(e.kl.data(), base + static_cast<std::size_t>(batches * eval_batch_) * sizeof(float), n * sizeof(float));
  if (bound_terms()) {
    for (std::size_t i = 0; i < n; ++i) e.recon[i] -= e.kl[i];
  }
  return e;
}

Picture download_picture(vk::Context& context, const ops::Tensor& grid, ops::GridSize size) {
  return {size.width, size.height, context.download<uint32_t>(*grid.buffer, std::size_t{size.width} * size.height, grid.offset)};
}

Picture Session::samples() {
  // The same noise every time, so pictures of successive epochs compare; for conditional
  // models, one noise per column and one class per row.
  const bool conditional = options_.conditional();
  const int64_t count = conditional ? options_.classes * 8 : kSamples;
  const int64_t distinct = conditional ? 8 : kSamples;
  const ops::RngState state = ops::RngState::from(options_.seed, 0);
  std::vector<float> z(static_cast<std::size_t>(count * options_.latent()));
  std::vector<int> digits;
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t j = 0; j < options_.latent(); ++j) {
      z[static_cast<std::size_t>(i * options_.latent() + j)] =
          ops::standard_normal(state, ops::RngStream::prior, static_cast<uint32_t>((i % distinct) * options_.latent() + j));
    }
    digits.push_back(static_cast<int>(i / 8));
  }
  samples_->copy_weights(program(), graph());
  samples_->decode(z, digits);
  return samples_->download();
}

Picture Session::manifold() {
  if (!manifold_) return {};
  std::vector<float> z;
  for (uint32_t row = 0; row < kManifoldSide; ++row) {
    for (uint32_t col = 0; col < kManifoldSide; ++col) {
      z.push_back(-3.0f + 6.0f * static_cast<float>(col) / (kManifoldSide - 1));
      z.push_back(3.0f - 6.0f * static_cast<float>(row) / (kManifoldSide - 1));  // up is +z₂
    }
  }
  manifold_->copy_weights(program(), graph());
  manifold_->decode(z, std::vector<int>(z.size() / 2, 0));
  return manifold_->download();
}

Picture Session::reconstructions() {
  if (!reconstructor_) return {};
  reconstructor_->copy_weights(program(), graph());
  reconstructor_->run();
  const Picture left = download_picture(context_, reconstructor_->originals(), reconstructor_->size());
  const Picture right = download_picture(context_, reconstructor_->reconstructions(), reconstructor_->size());
  // A grey band between the halves, wider than the grids' 2 px padding, so that originals and
  // reconstructions do not read as one grid.
  constexpr uint32_t kBand = 8, kGrey = 0xFF808080u;
  Picture both{left.width + kBand + right.width, left.height, {}};
  for (uint32_t y = 0; y < both.height; ++y) {
    both.pixels.insert(both.pixels.end(), left.pixels.begin() + y * left.width, left.pixels.begin() + (y + 1) * left.width);
    both.pixels.insert(both.pixels.end(), kBand, kGrey);
    both.pixels.insert(both.pixels.end(), right.pixels.begin() + y * right.width, right.pixels.begin() + (y + 1) * right.width);
  }
  return both;
}

std::string Session::profile(int64_t steps) {
  tell(Order::profile, steps);
  return do_profile(steps);
}

std::string Session::do_profile(int64_t steps) {
  using Clock = std::chrono::steady_clock;
  const DeviceState saved = save();
  std::string text;
  Replica& r = primary();
  TrainStep& step = r.step();
  Program& p = step.program();
  const bool alone = replicas_.size() == 1 && peers_ == nullptr;
  // A lockstep replica's step: every part of its gradients, then the update (its phases timed
  // into `phases` where given).
  const auto record_parts = [&](vk::CommandBuffer& c, const vk::TimestampQueries* phases) {
    for (uint32_t part = 0; part < step.gradient_parts(); ++part) step.record_gradients(c, part, phases);
    step.record_update(c, phases);
  };
  // A replica's step, whole or in parts; profiled, a replica of several times its shard's program.
  const auto record = [&](vk::CommandBuffer& c, const vk::TimestampQueries* queries) {
    if (alone) {
      step.record(c, queries);
    } else if (queries != nullptr) {
      p.record(c, queries);
    } else {
      record_parts(c, nullptr);
    }
  };
  if (context_.info().timestamps) {
    vk::TimestampQueries queries(context_.device(), p.stats().nodes + 1);
    vk::CommandBuffer profiled = context_.commands();
    profiled.begin();
    record(profiled, &queries);
    profiled.end();
    context_.submit_and_wait(profiled);
    text = p.profile(p.node_times(queries));
    if (step.config().shards > 1) text += "(one shard's program of " + std::to_string(step.config().shards) + " a step)\n";
  } else {
    text = "this device has no timestamps: no GPU time by op\n";
  }
  // Host time: what recording a step costs the CPU (once per run).
  const auto record_start = Clock::now();
  vk::CommandBuffer recorded = context_.commands();
  recorded.begin();
  record(recorded, nullptr);
  recorded.end();
  const double record_us = std::chrono::duration<double, std::micro>(Clock::now() - record_start).count();
  char line[800];
  if (alone) {
    // A replayed step is only submitted; wall time: steps back to back, every submit queued
    // before the first wait. Submits of kStepsPerSubmit, as training's, each waited for in turn,
    // so that no wait outlasts --gpu-timeout for growing with `steps` (64 steps of the GPU
    // profile on lavapipe took 65 s in one submit, past the default 60 s).
    const auto submit_start = Clock::now();
    std::vector<uint64_t> values;
    for (int64_t first = 0; first < steps; first += kStepsPerSubmit) {
      const std::vector<VkCommandBuffer> commands(static_cast<std::size_t>(std::min<int64_t>(kStepsPerSubmit, steps - first)),
                                                  r.whole_step().handle());
      values.push_back(r.submit_async(commands));
    }
    const double submit_us = std::chrono::duration<double, std::micro>(Clock::now() - submit_start).count();
    for (const uint64_t value : values) r.wait_for(value);
    const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - submit_start).count();
    // The path training takes (submits of kStepsPerSubmit, two in flight, metrics read between):
    // how busy it keeps the device, against the back-to-back steps above, and how long the host
    // waits on it.
    Sums sums;
    const double waited_before = host_wait_seconds();
    const auto train_start = Clock::now();
    do_train(steps, sums);
    const double train_ms = std::chrono::duration<double, std::milli>(Clock::now() - train_start).count();
    const double waited_us = (host_wait_seconds() - waited_before) * 1e6;
    std::snprintf(line, sizeof line,
                  "host: recording a step %.0f µs (once per run); submitting %lld replayed steps %.1f µs a step; "
                  "wall: %.2f ms a step, %.0f samples/s\n"
                  "training's own path (%u steps a submit, %u in flight): %.2f ms a step, the device busy %.0f %% of it; "
                  "the host waits %.0f µs a step\n",
                  record_us, static_cast<long long>(steps), submit_us / static_cast<double>(steps), wall_ms / static_cast<double>(steps),
                  static_cast<double>(steps * options_.batch) / (wall_ms / 1000.0), kStepsPerSubmit, kSubmitsInFlight,
                  train_ms / static_cast<double>(steps), std::min(100.0, 100.0 * wall_ms / train_ms), waited_us / static_cast<double>(steps));
  } else {
    // Replicas in lockstep: a step's time split into the devices' work (the host waiting for
    // it), the exchange of gradients through host memory, and the rest of the host's work; and
    // one replica's step alone, timed on the device, into computing and staging (the copies to
    // and from host-visible memory).
    std::string device_split;
    if (context_.info().timestamps) {
      vk::TimestampQueries phases(context_.device(), step.phase_timestamps());
      vk::CommandBuffer phased = context_.commands();
      phased.begin(vk::CommandBuffer::Use::kReplay);  // submitted twice
      record_parts(phased, &phases);  // (the update on whatever sums were exchanged last: the state is restored below)
      phased.end();
      // Twice, timing the second: the first touches memory no step has touched yet (the other
      // replicas' slots), which costs lavapipe twenty times the copy.
      context_.submit_and_wait(phased);
      context_.submit_and_wait(phased);
      const auto [computing, staging] = step.phase_split(phases);
      char split[160];
      std::snprintf(split, sizeof split, "; one replica's step on its device: computing %.2f ms, staging %.2f ms", computing / 1e6,
                    staging / 1e6);
      device_split = split;
    }
    Sums sums;
    const double waited_before = host_wait_seconds(), exchanged_before = exchange_seconds_, exposed_before = exposed_exchange_seconds_;
    const auto train_start = Clock::now();
    do_train(steps, sums);
    const double train_ms = std::chrono::duration<double, std::milli>(Clock::now() - train_start).count() / static_cast<double>(steps);
    const double waited_ms = (host_wait_seconds() - waited_before) * 1e3 / static_cast<double>(steps);
    const double exchange_ms = (exchange_seconds_ - exchanged_before) * 1e3 / static_cast<double>(steps);
    const double exposed_ms = (exposed_exchange_seconds_ - exposed_before) * 1e3 / static_cast<double>(steps);
    std::snprintf(line, sizeof line,
                  "host: recording a replica's halves of a step %.0f µs (once per run)\n"
                  "%u replicas in lockstep (%zu in this process), %lld shards of %lld: %.2f ms a step, %.0f samples/s; of a step, "
                  "waiting for the devices %.2f ms, exchanging the replicas' gradient sums (%.2f MB each, in %u buckets) through host memory "
                  "%.2f ms (after the backward pass %.2f ms), the rest of the host's work %.2f ms%s\n",
                  record_us, step.config().replicas(), replicas_.size(), static_cast<long long>(options_.shards),
                  static_cast<long long>(options_.batch / options_.shards), train_ms, static_cast<double>(options_.batch) / (train_ms / 1000.0),
                  waited_ms, static_cast<double>(p.gradient_arena().bytes()) / 1e6, step.gradient_parts(),
                  exchange_ms, exposed_ms, std::max(0.0, train_ms - waited_ms - exchange_ms), device_split.c_str());
  }
  do_start();  // zeroes the loss sums and flags the profiled steps touched
  do_load(saved);
  return text + line;
}

DeviceState Session::save() {
  Replica& r = primary();
  const Program& p = r.program();
  const models::VaeGraph& model = r.model();
  DeviceState s;
  s.parameters = r.download_arena(0);
  s.m = r.download_arena(1);
  s.v = r.download_arena(2);
  const ops::Tensor step = p.tensor(model.step), cursor = p.tensor(model.cursor), rng = p.tensor(model.rng);
  s.step = context_.download<uint32_t>(*step.buffer, 1, step.offset)[0];
  // A streamed set's device cursor runs round its ring; the epoch's position is the host's.
  s.cursor = residency_.train.streamed ? static_cast<uint32_t>(position_) : context_.download<uint32_t>(*cursor.buffer, 1, cursor.offset)[0];
  s.rng = context_.download<ops::RngState>(*rng.buffer, 1, rng.offset)[0];
  return s;
}

void Session::load(const DeviceState& s) {
  const std::vector<std::byte> bytes = peers_ != nullptr ? encode_state(s) : std::vector<std::byte>{};
  tell(Order::load, 0, 0, 0.0, bytes);
  do_load(s);
}

void Session::do_load(const DeviceState& s) {
  if (residency_.train.streamed) position_ = s.cursor;
  for (const std::unique_ptr<Replica>& r : replicas_) {
    r->upload_arena(0, s.parameters);
    r->upload_arena(1, s.m);
    r->upload_arena(2, s.v);
    const models::VaeGraph& model = r->model();
    r->put(model.step, std::span<const uint32_t>(&s.step, 1));
    if (!residency_.train.streamed) r->put(model.cursor, std::span<const uint32_t>(&s.cursor, 1));
    r->put(model.rng, std::span<const ops::RngState>(&s.rng, 1));
  }
}

double Session::align_replicas() {
  double largest = 0.0;
  for (int which = 0; which < 3 && replicas_.size() > 1; ++which) {
    const std::vector<float> first = primary().download_arena(which);
    for (std::size_t r = 1; r < replicas_.size(); ++r) {
      const std::vector<float> other = replicas_[r]->download_arena(which);
      if (std::memcmp(first.data(), other.data(), first.size() * sizeof(float)) == 0) continue;
      for (std::size_t i = 0; i < first.size(); ++i) {
        largest = std::max(largest, std::abs(static_cast<double>(first[i]) - static_cast<double>(other[i])));
      }
      replicas_[r]->upload_arena(which, first);
    }
  }
  return largest;
}

}  // namespace vkvae::train
