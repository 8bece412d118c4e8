#include "train/run.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "data/data_dir.hpp"
#include "io/png.hpp"
#include "train/checkpoint.hpp"
#include "train/run_dir.hpp"
#include "train/session.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "vk/device_info.hpp"

namespace vkvae::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string epoch_file(const char* dir, int64_t epoch) {
  char name[64];
  std::snprintf(name, sizeof name, "%s/epoch_%03lld.png", dir, static_cast<long long>(epoch));
  return name;
}

void create_run_dir(const fs::path& dir) {
  std::error_code error;
  for (const char* sub : {"checkpoints", "samples", "recon"}) {
    fs::create_directories(dir / sub, error);
    if (error) throw UsageError("--out " + dir.string() + ": cannot create it (" + error.message() + "); choose a writable path");
  }
}

fs::path last_checkpoint(const fs::path& dir) {
  const fs::path last = dir / "checkpoints" / "last.safetensors";
  std::error_code error;
  if (!fs::is_regular_file(last, error)) {
    if (stopped_before_first_checkpoint(dir)) {
      throw UsageError("--resume " + dir.string() + ": the run there stopped before its first checkpoint, so there is nothing to resume; "
                       "start it again with --out " + dir.string());
    }
    throw UsageError("--resume " + dir.string() + ": no checkpoints/last.safetensors in it; pass a run directory vkvae-train wrote");
  }
  return last;
}

// Checked as strictly as the same options of a new run, before anything is written.
TrainOptions with_overrides(TrainOptions options, const RunRequest& request) {
  if (request.epochs) options.epochs = *request.epochs;
  if (request.max_steps) options.max_steps = *request.max_steps;
  if (request.checkpoint_every) options.checkpoint_every = *request.checkpoint_every;
  if (request.log_every) options.log_every = *request.log_every;
  if (request.data) options.data = *request.data;
  check_options(options);
  return options;
}

class Run {
 public:
  Run(vk::Context& context, const RunRequest& request, Reporter& reporter, const std::atomic<bool>& stop)
      : context_(context), reporter_(reporter), stop_(stop) {
    std::optional<io::SafeTensors> resumed;
    std::optional<CheckpointHeader> header;
    std::string resumed_source;
    const char* flag = request.resume.empty() ? "--out" : "--resume";
    if (!request.resume.empty()) {
      dir_ = request.resume;
      RunLock::check_free(dir_, flag);  // early, before the work below; taken for real before the first write
      resumed_source = last_checkpoint(dir_).string();
      resumed = io::read_safetensors(resumed_source);
      header = read_checkpoint_header(*resumed, resumed_source);
      options_ = with_overrides(header->options, request);
      progress_ = header->progress;
      checkpointed_ = true;
    } else {
      options_ = request.options;
      dir_ = request.out;
      check_new_run_dir(dir_);
      RunLock::check_free(dir_, flag);
    }
    profile_ = request.profile;
    report_seconds_ = request.report_seconds;
    control_ = request.control;
    data::Splits splits = data::load_data_dir(options_.data, options_.format);
    train_ = std::move(splits.train);
    test_ = std::move(splits.test);
    data_layout_ = splits.layout;
    // The spec against the data first: a model that cannot fit is the thing to fix.
    const std::string where = "--data " + options_.data.string();
    if (resumed) {
      check_data_fits(options_, train_, where);
      check_data_fits(options_, test_, where);
    } else {
      adopt_data(options_, train_, where);
    }
    if (options_.batch > train_.size()) {
      throw UsageError("--batch " + std::to_string(options_.batch) + " is larger than the training set (" + std::to_string(train_.size()) +
                       " images in " + options_.data.string() + "); use a smaller --batch");
    }
    const int64_t ranks = request.peers != nullptr ? request.peers->size() : 1;
    if (options_.shards == 0) options_.shards = ranks * static_cast<int64_t>(1 + request.more_devices.size());
    if (request.peers != nullptr) {
      // The other ranks train as this one does.
      const std::string config = nlohmann::json{{"options", to_json(options_)}, {"bucket-bytes", request.bucket_bytes}}.dump();
      std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(config.data()), reinterpret_cast<const std::byte*>(config.data()) + config.size());
      request.peers->broadcast(bytes);
    }
    session_ = std::make_unique<Session>(context, options_, train_, test_, request.more_devices, request.peers, request.bucket_bytes);

    if (resumed) {
      DeviceState state = read_checkpoint_state(*resumed, session_->parameters(), session_->parameter_count(), true, resumed_source);
      state.step = static_cast<uint32_t>(progress_.step);
      state.cursor = header->cursor;
      state.rng = header->rng;
      session_->start();
      session_->load(state);
      if (progress_.steps_in_epoch >= session_->steps_per_epoch() && progress_.steps_in_epoch > 0) {
        throw Error(resumed_source + ": its epoch position does not fit this data (" + std::to_string(progress_.steps_in_epoch) +
                        " steps into an epoch of " + std::to_string(session_->steps_per_epoch()) + "); resume with the run's own --data",
                    2);
      }
    } else {
      session_->start();
      if (options_.init.empty()) {
        session_->init_parameters();
      } else {
        const std::string source = "--init " + options_.init.string();
        const io::SafeTensors init = io::read_safetensors(options_.init, source);
        for (const io::NamedTensor& t : init.tensors) {
          bool known = false;
          for (const ParameterSlot& s : session_->parameters()) known = known || s.name == t.name || t.name.rfind("optimizer.", 0) == 0;
          if (!known) throw UsageError(source + ": tensor '" + t.name + "' is not a parameter of --model " + options_.model_label());
        }
        session_->load_parameters(read_checkpoint_state(init, session_->parameters(), session_->parameter_count(), false, source).parameters);
      }
    }
    // Only now is anything written, so a run refused above leaves nothing behind. The lock is
    // held from here to the end; a new run checks again under it that the directory is free.
    if (!resumed) create_run_dir(dir_);
    lock_.emplace(dir_, flag);
    const bool reused = !resumed && check_new_run_dir(dir_);
    sweep_dead_writers(dir_);
    metrics_.emplace(dir_);
    reporter_.note("device: " + vk::describe_device(context.info()));
    for (std::size_t r = 0; r < request.more_devices.size(); ++r) {
      reporter_.note("device of replica " + std::to_string(r + 1) + ": " + vk::describe_device(request.more_devices[r]->info()));
    }
    if (ranks > 1) reporter_.note("ranks: " + std::to_string(ranks) + " processes, this one (rank 0) writing the run directory");
    if (options_.shards > 1) {
      reporter_.note("data parallel: " + std::to_string(static_cast<int64_t>(session_->replicas()) * ranks) + " replica(s), the batch of " + std::to_string(options_.batch) +
                     " in " + std::to_string(options_.shards) + " shards of " + std::to_string(options_.batch / options_.shards) +
                     ", their gradients added in one fixed order (the same bits on any device count that divides the shards)");
    }
    if (session_->replicas() * static_cast<std::size_t>(ranks) > 1) {
      const uint32_t buckets = session_->gradient_buckets();
      reporter_.note("gradient exchange: " + std::to_string(buckets) + " bucket(s) a replica" +
                     (buckets > 1 ? ", each sent while the device computes the next (--bucket-mb)" : ", sent after the backward pass"));
    }
    const models::ImageShape& image = options_.image;
    reporter_.note("data: " + std::to_string(train_.size()) + " training and " + std::to_string(test_.size()) + " test images, " +
                   data::describe_shape(image.height, image.width, image.channels) +
                   (train_.labeled() ? ", " + std::to_string(train_.classes) + " classes" : ", unlabeled") + " (" + data_layout_ + " in " +
                   options_.data.string() + ")");
    if (!session_->residency().note.empty()) reporter_.note(session_->residency().note);
    if (resumed) {
      reporter_.note("resuming " + dir_.string() + " at step " + std::to_string(progress_.step) + " (epoch " +
                     std::to_string(progress_.epoch + 1) + ", step " + std::to_string(progress_.steps_in_epoch) + " of it)");
      // The records its checkpoint knows and a file lacks (a file lost or cut short) come back;
      // nothing is removed. The options on disk change only when training changes them.
      metrics_->restore(progress_.history);
    } else {
      if (reused) reporter_.note("reusing " + dir_.string() + ": the run there stopped before its first checkpoint");
      write_config(dir_, to_json(options_));
    }
  }

  RunResult go() {
    RunResult result{dir_, progress_.epoch, progress_.step, false, std::nullopt};
    if (progress_.epoch >= options_.epochs) {
      reporter_.note("nothing to do: the run has trained its " + std::to_string(options_.epochs) + " epochs; pass --epochs to go further");
      return result;
    }
    if (options_.max_steps > 0 && progress_.step >= options_.max_steps) {
      reporter_.note("nothing to do: the run has taken its --max-steps " + std::to_string(options_.max_steps) +
                     " steps; pass a larger --max-steps (or 0) to go further");
      return result;
    }
    const int64_t per_epoch = session_->steps_per_epoch();
    while (progress_.epoch < options_.epochs) {
      session_->begin_epoch(progress_.epoch, progress_.steps_in_epoch);
      if (profile_) {
        reporter_.note(session_->profile(64));  // two submits of training's own path, and more
        profile_ = false;
      }
      // The steps this epoch will take: fewer where --max-steps ends it early.
      int64_t steps = per_epoch;
      if (options_.max_steps > 0) steps = std::min(steps, progress_.steps_in_epoch + options_.max_steps - progress_.step);
      reporter_.epoch_started(progress_.epoch + 1, options_.epochs, progress_.steps_in_epoch, steps);
      bool limit = false;
      int64_t chunk = 1;
      while (progress_.steps_in_epoch < per_epoch) {
        if (stop_.load()) {
          checkpoint(false);
          result.interrupted = true;
          result.step = progress_.step;
          return result;
        }
        int64_t n = std::min(chunk, per_epoch - progress_.steps_in_epoch);
        if (options_.max_steps > 0) n = std::min(n, options_.max_steps - progress_.step);
        if (options_.checkpoint_every > 0) n = std::min(n, options_.checkpoint_every - progress_.step % options_.checkpoint_every);
        if (options_.log_every > 0) n = std::min(n, options_.log_every - progress_.step % options_.log_every);
        const auto start = Clock::now();
        Session::Sums sums{progress_.epoch_recon, progress_.epoch_kl, false};
        const double recon_before = progress_.epoch_recon, kl_before = progress_.epoch_kl;
        session_->train(n, sums);
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (sums.nonfinite || !std::isfinite(sums.recon) || !std::isfinite(sums.kl)) stop_nonfinite();
        progress_.step += n;
        progress_.steps_in_epoch += n;
        progress_.epoch_recon = sums.recon;
        progress_.epoch_kl = sums.kl;
        progress_.epoch_seconds += seconds;
        log_steps(n, sums.recon - recon_before, sums.kl - kl_before, seconds);
        // Aim the next chunk at one report per report_seconds_, growing at most twofold (the
        // first steps also build pipelines, so their time says little).
        const auto target = static_cast<int64_t>(report_seconds_ * static_cast<double>(n) / std::max(seconds, 1e-6));
        chunk = std::clamp<int64_t>(target, 1, std::min<int64_t>(2 * n, 256));
        const double examples = static_cast<double>(progress_.steps_in_epoch * options_.batch);
        reporter_.progress(progress_.steps_in_epoch, progress_.epoch_recon / examples, progress_.epoch_kl / examples,
                           examples / std::max(progress_.epoch_seconds, 1e-9));
        if (control_) steer(control_->between_chunks(*session_));
        if (options_.checkpoint_every > 0 && progress_.step % options_.checkpoint_every == 0 && progress_.steps_in_epoch < per_epoch) {
          checkpoint(false);
        }
        if (options_.max_steps > 0 && progress_.step >= options_.max_steps) {
          limit = true;
          break;
        }
      }
      // --max-steps may end the run exactly where an epoch ends: that epoch is complete.
      result.test_loss = end_epoch(/*complete=*/progress_.steps_in_epoch >= per_epoch);
      result.epochs_done = progress_.epoch;
      result.step = progress_.step;
      if (limit) break;
    }
    return result;
  }

 private:
  // Sums over the steps since the last row of metrics_steps.csv; a row when --log-every's count
  // is reached.
  void log_steps(int64_t steps, double recon, double kl, double seconds) {
    if (options_.log_every <= 0) return;
    window_.steps += steps, window_.recon += recon, window_.kl += kl, window_.seconds += seconds;
    if (progress_.step % options_.log_every != 0) return;
    if (!step_log_) step_log_.emplace(dir_);
    const double examples = static_cast<double>(window_.steps * options_.batch);
    step_log_->append({{"step", progress_.step},
                       {"epoch", progress_.epoch + 1},
                       {"loss", (window_.recon + window_.kl) / examples},
                       {"recon", window_.recon / examples},
                       {"kl", window_.kl / examples},
                       {"lr", options_.lr},
                       {"kl_weight", options_.kl_weight(progress_.epoch)},
                       {"samples_per_s", examples / std::max(window_.seconds, 1e-9)}});
    window_ = {};
  }

  void steer(const Between& b) {
    const auto change = [&](const char* option, double from, double to) {
      log_change(dir_, {{"step", progress_.step}, {"epoch", progress_.epoch + 1}, {"option", option}, {"from", from}, {"to", to}});
      reporter_.note(std::string(option) + " set to " + json(to).dump() + " at step " + std::to_string(progress_.step));
    };
    if (b.lr && *b.lr != options_.lr) {
      change("lr", options_.lr, *b.lr);
      options_.lr = *b.lr;
      session_->set_learning_rate(*b.lr);
    }
    if (b.beta && *b.beta != options_.beta) {
      change("beta", options_.beta, *b.beta);
      options_.beta = *b.beta;
      session_->set_kl_weight(options_.kl_weight(progress_.epoch));
    }
    if (b.lr || b.beta) write_config(dir_, to_json(options_));
    if (b.checkpoint) {
      checkpoint(false);
      reporter_.note("checkpoint written at step " + std::to_string(progress_.step));
    }
  }

  // Evaluates, draws, records and checkpoints. A complete epoch moves the run to the next one;
  // a partial one (--max-steps) leaves the checkpoint where training stopped.
  double end_epoch(bool complete) {
    const Evaluation test = session_->evaluate([this](int64_t done, int64_t total) { reporter_.evaluating(done, total); });
    const double examples = static_cast<double>(progress_.steps_in_epoch * options_.batch);
    const double train_recon = progress_.epoch_recon / examples, train_kl = progress_.epoch_kl / examples;
    const double test_recon = test.mean_recon(), test_kl = test.mean_kl();
    const int64_t number = progress_.epoch + 1;
    const double w = options_.kl_weight(progress_.epoch);
    const json record = {{"epoch", number},
                         {"step", progress_.step},
                         {"partial", !complete},
                         {"train_loss", train_recon + train_kl},
                         {"train_recon", train_recon},
                         {"train_kl", train_kl},
                         {"test_loss", test_recon + test_kl},
                         {"test_recon", test_recon},
                         {"test_kl", test_kl},
                         {"kl_weight", w},
                         {"train_objective", train_recon + w * train_kl},
                         {"test_objective", test_recon + w * test_kl},
                         {"lr", options_.lr},
                         {"samples_per_s", examples / std::max(progress_.epoch_seconds, 1e-9)},
                         {"seconds", progress_.epoch_seconds}};
    const double test_loss = test_recon + test_kl;

    draw(number);
    metrics_->append(record);
    const bool best = test_loss < progress_.best_test_loss;
    if (best) progress_.best_test_loss = test_loss;
    if (complete) {
      progress_.history.push_back(record);
      progress_.epoch += 1;
      progress_.steps_in_epoch = 0;
      progress_.epoch_recon = progress_.epoch_kl = progress_.epoch_seconds = 0.0;
    }
    checkpoint(best);
    reporter_.epoch_ended(record);
    return test_loss;
  }

  void draw(int64_t epoch) {
    const auto save = [&](const char* sub, const Picture& picture) {
      if (picture.pixels.empty()) return;
      std::error_code error;
      fs::create_directories(dir_ / sub, error);
      io::write_png(dir_ / epoch_file(sub, epoch), picture.width, picture.height, picture.pixels);
    };
    save("samples", session_->samples());
    save("recon", session_->reconstructions());
    save("manifold", session_->manifold());
  }

  void checkpoint(bool best) {
    // Replicas on devices of one kind hold the same bits; where they do not, replica 0's state
    // is theirs from here on.
    if (const double drift = session_->align_replicas(); drift > 0.0) {
      reporter_.note("replicas differed by up to " + std::to_string(drift) + " at step " + std::to_string(progress_.step) +
                     " (devices of different kinds round the optimizer each their own way); replica 0's state copied to the others");
    }
    const Checkpoint c{options_, progress_, session_->save()};
    const io::SafeTensors file = encode_checkpoint(c, session_->parameters());
    io::write_safetensors(dir_ / "checkpoints" / "last.safetensors", file);
    if (best) io::write_safetensors(dir_ / "checkpoints" / "best.safetensors", file);
    checkpointed_ = true;
    // The options in force, where a person looks for them (a resumed run's new --epochs, say).
    write_config(dir_, to_json(options_));
  }

  [[noreturn]] void stop_nonfinite() {
    const std::string where = "training stopped at step " + std::to_string(progress_.step) + " (epoch " +
                              std::to_string(progress_.epoch + 1) + "): the loss, a gradient or a weight became NaN or infinite; ";
    if (!checkpointed_) {
      throw Error(where + "no checkpoint had been written yet, so there is nothing to resume; start again with a lower --lr (--out " +
                  dir_.string() + " may be reused)");
    }
    throw Error(where + "the last good checkpoint is kept in " + (dir_ / "checkpoints").string() + "; try a lower --lr");
  }

  vk::Context& context_;
  Reporter& reporter_;
  const std::atomic<bool>& stop_;
  TrainOptions options_;
  bool profile_ = false;
  double report_seconds_ = 0.5;
  RunControl* control_ = nullptr;
  fs::path dir_;
  std::optional<RunLock> lock_;
  std::optional<MetricsLog> metrics_;
  bool checkpointed_ = false;  // the directory holds a checkpoint of this run
  std::optional<StepLog> step_log_;
  struct {
    int64_t steps = 0;
    double recon = 0.0, kl = 0.0, seconds = 0.0;
  } window_;
  RunProgress progress_;
  data::Dataset train_, test_;
  std::string data_layout_;  // "IDX files" or "image folders"
  std::unique_ptr<Session> session_;
};

}  // namespace

TrainOptions run_options(const RunRequest& request) {
  if (request.resume.empty()) return request.options;
  const fs::path last = last_checkpoint(request.resume);
  return with_overrides(read_checkpoint_header(io::read_safetensors(last), last.string()).options, request);
}

void check_run_request(const RunRequest& request) {
  const TrainOptions options = run_options(request);
  data::check_data_dir(options.data);
  if (request.resume.empty()) check_new_run_dir(request.out);
  RunLock::check_free(request.resume.empty() ? request.out : request.resume, request.resume.empty() ? "--out" : "--resume");
}

RunResult run_training(vk::Context& context, const RunRequest& request, Reporter& reporter, const std::atomic<bool>& stop) {
  Run run(context, request, reporter, stop);
  return run.go();
}

void follow_training(vk::Context& context, Peers& peers, std::span<vk::Context* const> more_devices) {
  std::vector<std::byte> bytes;
  peers.broadcast(bytes);
  const nlohmann::json told = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  const TrainOptions options = options_from_json(told.at("options"), "rank 0's options");
  data::Splits splits = data::load_data_dir(options.data, options.format);
  check_data_fits(options, splits.train, "--data " + options.data.string());
  Session session(context, options, splits.train, data::Dataset{}, more_devices, &peers, told.at("bucket-bytes").get<uint64_t>());
  session.follow();
}

}  // namespace vkvae::train
