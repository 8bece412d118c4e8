// Checkpoints: a safetensors file holding the model's parameters under their PyTorch names
// (so safetensors.torch.load_file + load_state_dict takes them), the optimizer's moments as
// "optimizer.exp_avg.<name>" and "optimizer.exp_avg_sq.<name>", and in its metadata the run's
// resolved options, where training stands and the metrics history — all a resumed run needs to
// continue bit for bit.
#pragma once

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/safetensors.hpp"
#include "train/options.hpp"
#include "train/session.hpp"

namespace vkvae::train {

// Where a run stands.
struct RunProgress {
  int64_t step = 0;            // optimizer steps taken
  int64_t epoch = 0;           // the epoch in progress (0-based); == epochs when finished
  int64_t steps_in_epoch = 0;  // of that epoch, done
  double epoch_recon = 0.0, epoch_kl = 0.0;  // loss sums over those steps
  double epoch_seconds = 0.0;                // training time spent on them
  double best_test_loss = std::numeric_limits<double>::infinity();
  std::vector<nlohmann::json> history;  // one metrics record per finished epoch
};

struct Checkpoint {
  TrainOptions options;
  RunProgress progress;
  DeviceState device;
};

io::SafeTensors encode_checkpoint(const Checkpoint& checkpoint, const std::vector<ParameterSlot>& slots);
void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint, const std::vector<ParameterSlot>& slots);

// A checkpoint's options and progress (no tensors yet: the model they describe decides the
// shapes). Throws an Error naming `path` when the file is not a vkvae checkpoint.
struct CheckpointHeader {
  TrainOptions options;
  RunProgress progress;
  ops::RngState rng;
  uint32_t cursor = 0;
};
CheckpointHeader read_checkpoint_header(const io::SafeTensors& file, const std::string& source);

// Where each of `parameters` lies in `program`'s parameter arena.
std::vector<ParameterSlot> parameter_slots(const graph::Graph& graph, const std::vector<graph::TensorId>& parameters,
                                           const graph::Program& program);
// The weights of `file` (named as `parameters`) into `program`'s parameter arena.
void load_weights(vk::Context& context, const graph::Program& program, const graph::Graph& graph,
                  const std::vector<graph::TensorId>& parameters, const io::SafeTensors& file, const std::string& source);

// Copies, on the device, the parameters of `from` into those of the same names in `to` (a
// decoder's or a reconstructor's own weights from a training program), and waits.
void copy_weights(vk::Context& context, const graph::Program& to, const graph::Graph& to_graph, const graph::Program& from,
                  const graph::Graph& from_graph);

// The device state for a model with `slots` (and `parameter_count` arena elements); `moments`:
// the optimizer's too (resume) or zeros (weights only, --init). Throws an Error naming `source`
// for a missing tensor or a shape that differs.
DeviceState read_checkpoint_state(const io::SafeTensors& file, const std::vector<ParameterSlot>& slots, uint64_t parameter_count,
                                  bool moments, const std::string& source);

}  // namespace vkvae::train
