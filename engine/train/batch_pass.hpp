// The model's forward pass over batches the host gives, for the applications (encode, decode,
// denoise, inpaint, augment): images → μ, log σ² and the decoder's mean reconstruction, or z →
// decoded images. One program of a fixed batch, recorded once and replayed for every batch: a
// batch costs its uploads, one submit and its downloads, whatever the number of images.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "graph/program.hpp"
#include "io/safetensors.hpp"
#include "models/vae.hpp"
#include "train/options.hpp"
#include "vk/commands.hpp"

namespace vkvae::train {

enum class Pass {
  reconstruct,          // images → μ, log σ², and the mean σ(decoder(μ))
  reconstruct_sampled,  // the same with z = μ + σ·ε drawn from q(z|x)
  decode,               // z → σ(decoder(z))
};

class BatchPass {
 public:
  BatchPass(vk::Context& context, ops::Kernels& kernels, const TrainOptions& options, int64_t batch, Pass pass);
  ~BatchPass();

  void load(const io::SafeTensors& file, const std::string& source);

  int64_t batch() const { return batch_; }
  int64_t input_width() const;  // 784 (images) or latent (z)

  // The weights of the parameters of the same names in `from` (a training program), copied on
  // the device and waited for.
  void copy_weights(const graph::Program& from, const graph::Graph& from_graph);

  struct Output {
    std::vector<float> mu, logvar;  // rows × latent (the reconstructing passes, when asked for)
    std::vector<float> mean;        // rows × 784
    std::vector<float> recon, kl;   // rows: the negative ELBO's terms at the z used (reconstructing passes)
  };
  // What run() reads back.
  enum Read : unsigned { kLatents = 1, kMean = 2, kScore = 4 };
  // Up to batch() rows of input (rows × input_width(): pixels in [0, 1], or z), and for
  // conditional models a label (a class index) per row. `seed` and `step` key the noise of
  // reconstruct_sampled.
  Output run(std::span<const float> input, std::span<const uint8_t> labels, unsigned read, uint64_t seed = 0, uint64_t step = 0);

 private:
  vk::Context& context_;
  int64_t batch_, latent_, pixels_, classes_;
  Pass pass_;
  std::unique_ptr<models::AutoencodeGraph> autoencoder_;
  std::unique_ptr<models::DecodeGraph> decoder_;
  graph::TensorId input_, labels_, rng_, mu_, logvar_, mean_, recon_, kl_;
  const std::vector<graph::TensorId>* parameters_ = nullptr;
  const graph::Graph* graph_ = nullptr;
  std::unique_ptr<graph::Program> program_;
  std::unique_ptr<vk::CommandBuffer> commands_;
};

}  // namespace vkvae::train
