// A trained model loaded from a checkpoint, for the commands that use one: evaluate (the ELBO
// and an importance-weighted estimate of -log p(x)), sample, interpolate, anomaly scores.
// Everything numeric runs on the device in the model's own graphs; the host only picks rows,
// noise keys and latent points, and adds up per-example results in double precision.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "data/idx.hpp"
#include "graph/program.hpp"
#include "io/safetensors.hpp"
#include "models/vae.hpp"
#include "train/batch_pass.hpp"
#include "train/grid_decoder.hpp"
#include "train/options.hpp"
#include "train/session.hpp"

namespace vkvae::train {

class TrainedModel {
 public:
  // Throws an Error naming `checkpoint` when it is not a usable vkvae checkpoint.
  TrainedModel(vk::Context& context, const std::filesystem::path& checkpoint);
  ~TrainedModel();

  const TrainOptions& options() const { return options_; }
  const io::SafeTensors& checkpoint() const { return checkpoint_; }
  const std::string& source() const { return source_; }
  int64_t step() const { return step_; }

  // Per-example ELBO terms with one noise draw each (as the trainer's test loss).
  Evaluation evaluate(const data::Dataset& data, uint64_t seed);
  // Per-example importance-weighted estimates of -log p(x) (nats) with k samples from q(z|x):
  // -log (1/k Σ p(x|z) p(z) / q(z|x)). Needs the BCE likelihood. Each image is encoded once;
  // its k samples are rows of batches of 1024 through one replayed decoder program.
  // `progress(done, total)` is called after each batch, with samples done and in all.
  std::vector<double> importance_nll(const data::Dataset& data, int64_t k, uint64_t seed,
                                     const std::function<void(int64_t, int64_t)>& progress = {});
  // μ of q(z|x) for rows `indices` of `data` (indices.size() × latent).
  std::vector<float> encode(const data::Dataset& data, const std::vector<int64_t>& indices);
  // A grid of decoded z (count × latent, `nrow` per row); `digits` (one per z) for conditional
  // models.
  Picture decode(const std::vector<float>& z, const std::vector<int>& digits, uint32_t nrow);
  // A decoder of `count` z into a grid of `nrow` per row, with the checkpoint's weights
  // (`drawn`: see GridDecoder).
  std::unique_ptr<GridDecoder> make_decoder(int64_t count, uint32_t nrow, bool drawn = false);
  // A forward pass of `batch` rows (see BatchPass) with the checkpoint's weights.
  std::unique_ptr<BatchPass> make_pass(int64_t batch, Pass pass);

 private:
  struct Attached;
  Attached& attach(const data::Dataset& data, bool binarized);
  struct Sampler;
  // The importance sampler of `batch` rows (made on first use, then kept).
  Sampler& sampler(int64_t batch);
  // Runs the attached program over rows `rows` of its dataset (≤ its batch), RNG step `step`.
  void run_rows(Attached& a, const std::vector<uint32_t>& rows, uint64_t seed, uint64_t step);

  vk::Context& context_;
  TrainOptions options_;
  int64_t step_ = 0;
  io::SafeTensors checkpoint_;
  std::string source_;
  std::unique_ptr<ops::Kernels> kernels_;
  std::unique_ptr<Attached> attached_;
  std::unique_ptr<Sampler> sampler_;
};

}  // namespace vkvae::train
