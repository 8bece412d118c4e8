// What the applications do to images before a model repairs them: noise (denoise) and masks of
// hidden pixels (inpaint), parsed from their command-line spellings, drawn on the host from the
// counter-based RNG (the same seed gives the same corruption on any machine), and the errors
// that measure a repair. Images here are f32 in [0, 1], count × pixels, row-major.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vkvae::train {

struct Noise {
  enum class Kind { none, gaussian, salt_pepper } kind = Kind::none;
  double amount = 0.0;  // σ of the gaussian, or the fraction of pixels salt-and-pepper sets
};
// "none", "gaussian:σ" (σ > 0) or "salt-pepper:p" (0 < p ≤ 1); throws a UsageError naming
// `flag` otherwise.
Noise parse_noise(std::string_view text, std::string_view flag = "--noise");
// Gaussian: x + σ·n clipped to [0, 1]; salt-and-pepper: each pixel with probability p becomes
// 0 or 1, evenly.
void add_noise(std::vector<float>& images, const Noise& noise, uint64_t seed);

struct MaskSpec {
  enum class Kind { center, random, left_half, file } kind = Kind::center;
  int64_t height = 0, width = 0;  // center: the hidden block
  double fraction = 0.0;          // random: the share of pixels hidden, each on its own
  std::filesystem::path file;     // file: a PNG as large as the images, white where hidden
};
// "center:HxW", "random:p", "left-half" or "file:MASK.png"; throws a UsageError naming `flag`.
MaskSpec parse_mask(std::string_view text, std::string_view flag = "--mask");
// count × rows × cols, 1 where a pixel is hidden. Throws a UsageError when the spec does not fit
// the images (a block larger than them, a mask file of another size, one that hides nothing).
std::vector<uint8_t> make_masks(const MaskSpec& spec, int64_t count, int64_t rows, int64_t cols, uint64_t seed,
                                std::string_view flag = "--mask");

// The mean squared error of `a` against `b` over every pixel, or over those `mask` marks (1).
double mean_squared_error(std::span<const float> a, std::span<const float> b, std::span<const uint8_t> mask = {});
// Peak signal-to-noise ratio (dB) of a mean squared error, the peak being 1: 10·log10(1/mse).
double psnr(double mse);

}  // namespace vkvae::train
