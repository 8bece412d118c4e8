// What a trained VAE does for its users besides sampling: encode images to latent codes, decode
// codes to images, reconstruct (denoise), fill hidden pixels (inpaint) and generate labelled
// data (augment). Each runs over any number of images in replayed batches of the model's own
// forward pass (BatchPass); the host only moves pixels and puts known ones back.
// Images are f32 in [0, 1], count × C·H·W (each image's channels one after another, as the
// model takes them); labels a class index per image.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "data/idx.hpp"
#include "train/inference.hpp"

namespace vkvae::train {

// Called after each batch with the images done and the images in all.
using Progress = std::function<void(int64_t done, int64_t total)>;

std::vector<float> to_unit_interval(const data::Images& images);
// Rounded to the nearest of 0…255.
data::Images to_bytes(std::span<const float> images, const models::ImageShape& shape);

// Pictures of images of `shape` (grey or RGB), made on the host, laid out as ops::image_grid lays its own
// (torchvision's make_grid: 2 px black padding): for each `nrow` of the first `show` images, a
// row of each of `sets` in turn (noisy | denoised | clean, say; one set is a plain grid).
// Pixels `hidden` marks in sets[0] are drawn dark red, so that a mask is seen as a mask.
// `hidden` has one value per pixel of every image (count × H·W).
Picture comparison_grid(const std::vector<std::span<const float>>& sets, std::span<const uint8_t> hidden, int64_t show, int64_t nrow,
                        const models::ImageShape& shape);

struct Latents {
  int64_t latent = 0;
  std::vector<float> mu, logvar;  // count × latent
  int64_t count() const { return latent == 0 ? 0 : static_cast<int64_t>(mu.size()) / latent; }
};
// μ and log σ² of q(z|x) for every image (labels: conditional models only).
Latents encode(TrainedModel& model, std::span<const float> images, std::span<const uint8_t> labels, const Progress& progress = {});

// The decoder's mean σ(decoder(z)) of every z (count × latent).
std::vector<float> decode(TrainedModel& model, std::span<const float> z, std::span<const uint8_t> labels, const Progress& progress = {});

// The mean reconstruction σ(decoder(μ(x))) of every image: what denoise returns.
std::vector<float> reconstruct(TrainedModel& model, std::span<const float> images, std::span<const uint8_t> labels,
                               const Progress& progress = {});

struct InpaintOptions {
  int64_t iterations = 10;
  bool sample_z = true;  // z ~ q(z|x) each iteration (Rezende et al. 2014); false: z = μ
  uint64_t seed = 0;
};
struct Inpainting {
  std::vector<float> images;            // the known pixels as given, the hidden ones filled
  std::vector<double> mse_by_iteration;  // over the hidden pixels, against the given images: 0…iterations
};
// Fills the pixels `masks` hides (1; count × H·W, every channel of a pixel) of `images`: they start as `fill` (one image,
// the mean image, say) and each iteration encodes, decodes and puts the known pixels back.
Inpainting inpaint(TrainedModel& model, std::span<const float> images, std::span<const uint8_t> labels,
                   std::span<const uint8_t> masks, std::span<const float> fill, const InpaintOptions& options,
                   const Progress& progress = {});

// Draws first … first + count − 1 of the sequence of prior samples z ~ N(0, I) keyed by `seed`
// (count × latent): the sample command's z, and augment's, in pieces of any size.
std::vector<float> prior_draws(int64_t count, int64_t latent, uint64_t seed, int64_t first = 0);
// The decoder's means of those draws, one per label for conditional models (`labels` empty for
// unconditional ones).
std::vector<float> generate(TrainedModel& model, int64_t count, std::span<const uint8_t> labels, uint64_t seed, int64_t first = 0,
                            const Progress& progress = {});

}  // namespace vkvae::train
