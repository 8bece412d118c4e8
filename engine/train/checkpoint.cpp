#include "train/checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "util/error.hpp"

namespace vkvae::train {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "vkvae-checkpoint-1";

std::vector<int64_t> dims(const ops::Shape& shape) {
  std::vector<int64_t> d;
  for (std::size_t i = 0; i < shape.rank(); ++i) d.push_back(shape[i]);
  return d;
}

io::NamedTensor f32_tensor(const std::string& name, const ops::Shape& shape, const float* values) {
  io::NamedTensor t{name, "F32", dims(shape), {}};
  const auto bytes = static_cast<std::size_t>(shape.numel()) * sizeof(float);
  t.data.resize(bytes);
  std::memcpy(t.data.data(), values, bytes);
  return t;
}

// Infinity (no test loss yet) does not exist in JSON.
json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

io::SafeTensors encode_checkpoint(const Checkpoint& c, const std::vector<ParameterSlot>& slots) {
  io::SafeTensors file;
  for (const ParameterSlot& s : slots) file.tensors.push_back(f32_tensor(s.name, s.shape, c.device.parameters.data() + s.offset));
  for (const ParameterSlot& s : slots) file.tensors.push_back(f32_tensor("optimizer.exp_avg." + s.name, s.shape, c.device.m.data() + s.offset));
  for (const ParameterSlot& s : slots) file.tensors.push_back(f32_tensor("optimizer.exp_avg_sq." + s.name, s.shape, c.device.v.data() + s.offset));
  const RunProgress& p = c.progress;
  json progress = {{"step", p.step},
                   {"epoch", p.epoch},
                   {"steps_in_epoch", p.steps_in_epoch},
                   {"epoch_recon", p.epoch_recon},
                   {"epoch_kl", p.epoch_kl},
                   {"epoch_seconds", p.epoch_seconds},
                   {"best_test_loss", finite_or_null(p.best_test_loss)},
                   {"device_step", c.device.step},
                   {"cursor", c.device.cursor},
                   {"rng", {c.device.rng.seed_lo, c.device.rng.seed_hi, c.device.rng.step_lo, c.device.rng.step_hi}},
                   {"history", p.history}};
  file.metadata["format"] = kFormat;
  file.metadata["model"] = c.options.model_label();
  file.metadata["config"] = to_json(c.options).dump();
  file.metadata["progress"] = progress.dump();
  return file;
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint, const std::vector<ParameterSlot>& slots) {
  io::write_safetensors(path, encode_checkpoint(checkpoint, slots));
}

CheckpointHeader read_checkpoint_header(const io::SafeTensors& file, const std::string& source) {
  const auto damaged = [&](const std::string& what) {
    return Error(source + ": its training metadata is damaged (" + what + "); use another checkpoint", 2);
  };
  const auto it = file.metadata.find("format");
  if (it == file.metadata.end() || it->second != kFormat || !file.metadata.count("config") || !file.metadata.count("progress")) {
    throw Error(source + ": not a vkvae training checkpoint (no " + kFormat + " metadata); pass a checkpoint vkvae-train wrote", 2);
  }
  CheckpointHeader h;
  try {
    h.options = options_from_json(json::parse(file.metadata.at("config")), source + " (its config)");
    const json p = json::parse(file.metadata.at("progress"));
    h.progress.step = p.at("step").get<int64_t>();
    h.progress.epoch = p.at("epoch").get<int64_t>();
    h.progress.steps_in_epoch = p.at("steps_in_epoch").get<int64_t>();
    h.progress.epoch_recon = p.at("epoch_recon").get<double>();
    h.progress.epoch_kl = p.at("epoch_kl").get<double>();
    h.progress.epoch_seconds = p.at("epoch_seconds").get<double>();
    if (!p.at("best_test_loss").is_null()) h.progress.best_test_loss = p.at("best_test_loss").get<double>();
    h.progress.history = p.at("history").get<std::vector<json>>();
    const auto rng = p.at("rng").get<std::vector<uint32_t>>();
    if (rng.size() != 4) throw damaged("its RNG state must have 4 words");
    h.rng = {rng[0], rng[1], rng[2], rng[3]};
    h.cursor = p.at("cursor").get<uint32_t>();
    if (p.at("device_step").get<int64_t>() != h.progress.step) throw damaged("its step counters disagree");
  } catch (const json::exception& e) {
    throw damaged(e.what());
  }
  if (h.progress.step < 0 || h.progress.epoch < 0 || h.progress.steps_in_epoch < 0) throw damaged("negative counters");
  return h;
}

std::vector<ParameterSlot> parameter_slots(const graph::Graph& graph, const std::vector<graph::TensorId>& parameters,
                                           const graph::Program& program) {
  const ops::Tensor arena = program.parameter_arena();
  std::vector<ParameterSlot> slots;
  for (graph::TensorId id : parameters) {
    slots.push_back({graph.info(id).name, graph.info(id).shape, (program.tensor(id).offset - arena.offset) / sizeof(float)});
  }
  return slots;
}

void load_weights(vk::Context& context, const graph::Program& program, const graph::Graph& graph,
                  const std::vector<graph::TensorId>& parameters, const io::SafeTensors& file, const std::string& source) {
  const ops::Tensor arena = program.parameter_arena();
  const DeviceState state = read_checkpoint_state(file, parameter_slots(graph, parameters, program), static_cast<uint64_t>(arena.numel()),
                                                  false, source);
  context.upload(*arena.buffer, arena.offset, std::as_bytes(std::span<const float>(state.parameters)));
}

void copy_weights(vk::Context& context, const graph::Program& to, const graph::Graph& to_graph, const graph::Program& from,
                  const graph::Graph& from_graph) {
  vk::CommandBuffer commands = context.commands();
  commands.begin();
  // After the training steps that wrote them; before the programs that read the copies.
  commands.barrier(vk::kComputeWrite | vk::kTransferWrite, vk::kTransferRead | vk::kTransferWrite);
  for (const graph::Binding& b : graph::bind_by_name(to_graph, from, from_graph, {graph::Role::parameter})) {
    const ops::Tensor target = to.tensor(b.tensor);
    commands.copy(*b.device.buffer, b.device.offset, *target.buffer, target.offset, target.bytes());
  }
  commands.barrier(vk::kTransferWrite, vk::kComputeRead);
  commands.end();
  context.submit_and_wait(commands);
}

DeviceState read_checkpoint_state(const io::SafeTensors& file, const std::vector<ParameterSlot>& slots, uint64_t parameter_count,
                                  bool moments, const std::string& source) {
  DeviceState s;
  s.parameters.assign(parameter_count, 0.0f);
  s.m.assign(parameter_count, 0.0f);
  s.v.assign(parameter_count, 0.0f);
  const auto fill = [&](std::vector<float>& arena, const std::string& prefix) {
    for (const ParameterSlot& slot : slots) {
      const std::vector<float> values = file.f32(prefix + slot.name, dims(slot.shape), source);
      // A NaN or an infinity would train (or be drawn) as garbage, and be saved again.
      const auto bad = std::find_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); });
      if (bad != values.end()) {
        throw Error(source + ": tensor '" + prefix + slot.name + "' holds NaN or infinite values (the first at element " +
                        std::to_string(bad - values.begin()) + "); use another checkpoint",
                    2);
      }
      std::copy(values.begin(), values.end(), arena.begin() + static_cast<std::ptrdiff_t>(slot.offset));
    }
  };
  fill(s.parameters, "");
  if (moments) {
    fill(s.m, "optimizer.exp_avg.");
    fill(s.v, "optimizer.exp_avg_sq.");
  }
  return s;
}

}  // namespace vkvae::train
