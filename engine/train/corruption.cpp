#include "train/corruption.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "io/png.hpp"
#include "ops/random.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

// Whether the whole of `text` is a number; it is put in `value`.
template <typename T>
bool number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

MaskSpec mask_of(MaskSpec::Kind kind) {
  MaskSpec spec;
  spec.kind = kind;
  return spec;
}

[[noreturn]] void refuse(std::string_view flag, std::string_view text, const std::string& why) {
  throw UsageError(std::string(flag) + " " + std::string(text) + ": " + why);
}

// Each image draws from its own key (seed, image): the same image gets the same corruption
// whatever the count, and no element index runs past 32 bits.
ops::RngState image_key(uint64_t seed, int64_t image, uint64_t salt) {
  return ops::RngState::from(seed ^ salt, static_cast<uint64_t>(image));
}
// The salts keep these draws apart from training's, whose streams they share.
constexpr uint64_t kNoiseSalt = 0x6e6f697365ull;  // "noise"
constexpr uint64_t kMaskSalt = 0x6d61736bull;     // "mask"

}  // namespace

Noise parse_noise(std::string_view text, std::string_view flag) {
  if (text == "none") return {};
  const std::size_t colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  double amount = 0.0;
  const bool given = colon != std::string_view::npos && number(text.substr(colon + 1), amount);
  if (kind == "gaussian") {
    if (!given || !(amount > 0.0) || !std::isfinite(amount)) refuse(flag, text, "give gaussian:σ with σ > 0 (e.g. gaussian:0.3)");
    return {Noise::Kind::gaussian, amount};
  }
  if (kind == "salt-pepper") {
    if (!given || !(amount > 0.0 && amount <= 1.0)) refuse(flag, text, "give salt-pepper:p with 0 < p ≤ 1 (e.g. salt-pepper:0.2)");
    return {Noise::Kind::salt_pepper, amount};
  }
  refuse(flag, text, "the noise is none, gaussian:σ or salt-pepper:p");
}

void add_noise(std::vector<float>& images, const Noise& noise, uint64_t seed) {
  if (noise.kind == Noise::Kind::none || images.empty()) return;
  // Per image of 784 pixels; any size works, only the keying changes with it.
  constexpr std::size_t kPerKey = 784;
  for (std::size_t first = 0, image = 0; first < images.size(); first += kPerKey, ++image) {
    const ops::RngState key = image_key(seed, static_cast<int64_t>(image), kNoiseSalt);
    const std::size_t n = std::min(kPerKey, images.size() - first);
    for (std::size_t i = 0; i < n; ++i) {
      float& x = images[first + i];
      const auto e = static_cast<uint32_t>(i);
      if (noise.kind == Noise::Kind::gaussian) {
        const double noisy = static_cast<double>(x) + noise.amount * static_cast<double>(ops::standard_normal(key, ops::RngStream::prior, e));
        x = static_cast<float>(std::clamp(noisy, 0.0, 1.0));
      } else if (static_cast<double>(ops::standard_uniform(key, ops::RngStream::binarize, 2 * e)) < noise.amount) {
        x = ops::standard_uniform(key, ops::RngStream::binarize, 2 * e + 1) < 0.5f ? 0.0f : 1.0f;
      }
    }
  }
}

MaskSpec parse_mask(std::string_view text, std::string_view flag) {
  if (text == "left-half") return mask_of(MaskSpec::Kind::left_half);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) refuse(flag, text, "the mask is center:HxW, random:p, left-half or file:MASK.png");
  const std::string_view kind = text.substr(0, colon), rest = text.substr(colon + 1);
  if (kind == "center") {
    const std::size_t x = rest.find('x');
    MaskSpec spec = mask_of(MaskSpec::Kind::center);
    const bool given = x != std::string_view::npos && number(rest.substr(0, x), spec.height) && number(rest.substr(x + 1), spec.width);
    if (!given || spec.height < 1 || spec.width < 1) refuse(flag, text, "give center:HxW with whole H, W ≥ 1 (e.g. center:14x14)");
    return spec;
  }
  if (kind == "random") {
    MaskSpec spec = mask_of(MaskSpec::Kind::random);
    if (!number(rest, spec.fraction) || !(spec.fraction > 0.0 && spec.fraction < 1.0)) {
      refuse(flag, text, "give random:p with 0 < p < 1 (e.g. random:0.5)");
    }
    return spec;
  }
  if (kind == "file") {
    if (rest.empty()) refuse(flag, text, "give file:MASK.png");
    MaskSpec spec = mask_of(MaskSpec::Kind::file);
    spec.file = std::string(rest);
    return spec;
  }
  refuse(flag, text, "the mask is center:HxW, random:p, left-half or file:MASK.png");
}

std::vector<uint8_t> make_masks(const MaskSpec& spec, int64_t count, int64_t rows, int64_t cols, uint64_t seed, std::string_view flag) {
  const auto pixels = static_cast<std::size_t>(rows * cols);
  std::vector<uint8_t> one(pixels, 0);
  const std::string size = std::to_string(rows) + "×" + std::to_string(cols);
  switch (spec.kind) {
    case MaskSpec::Kind::center: {
      if (spec.height > rows || spec.width > cols) {
        throw UsageError(std::string(flag) + " center:" + std::to_string(spec.height) + "x" + std::to_string(spec.width) +
                         ": larger than the images (" + size + ")");
      }
      const int64_t top = (rows - spec.height) / 2, left = (cols - spec.width) / 2;
      for (int64_t y = top; y < top + spec.height; ++y) {
        for (int64_t x = left; x < left + spec.width; ++x) one[static_cast<std::size_t>(y * cols + x)] = 1;
      }
      break;
    }
    case MaskSpec::Kind::left_half:
      for (int64_t y = 0; y < rows; ++y) {
        for (int64_t x = 0; x < cols / 2; ++x) one[static_cast<std::size_t>(y * cols + x)] = 1;
      }
      break;
    case MaskSpec::Kind::file: {
      const std::string label = std::string(flag) + " file:" + spec.file.string();
      const io::GreyImage image = io::read_png_grey(spec.file, label);
      if (image.height != rows || image.width != cols) {
        throw UsageError(label + ": " + std::to_string(image.height) + "×" + std::to_string(image.width) + " pixels; the images are " + size +
                         " (draw the mask at their size, white where hidden)");
      }
      for (std::size_t i = 0; i < pixels; ++i) one[i] = image.pixels[i] >= 128 ? 1 : 0;
      if (std::find(one.begin(), one.end(), 1) == one.end()) {
        throw UsageError(label + ": hides no pixel (white, ≥ 128, marks the hidden ones)");
      }
      break;
    }
    case MaskSpec::Kind::random: {
      std::vector<uint8_t> masks(pixels * static_cast<std::size_t>(count));
      for (int64_t image = 0; image < count; ++image) {
        const ops::RngState key = image_key(seed, image, kMaskSalt);
        for (std::size_t i = 0; i < pixels; ++i) {
          const bool hidden = static_cast<double>(ops::standard_uniform(key, ops::RngStream::binarize, static_cast<uint32_t>(i))) < spec.fraction;
          masks[static_cast<std::size_t>(image) * pixels + i] = hidden ? 1 : 0;
        }
      }
      return masks;
    }
  }
  std::vector<uint8_t> masks;
  masks.reserve(pixels * static_cast<std::size_t>(count));
  for (int64_t image = 0; image < count; ++image) masks.insert(masks.end(), one.begin(), one.end());
  return masks;
}

double mean_squared_error(std::span<const float> a, std::span<const float> b, std::span<const uint8_t> mask) {
  if (a.size() != b.size() || (!mask.empty() && mask.size() != a.size())) throw Error("mean_squared_error: sizes differ");
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!mask.empty() && mask[i] == 0) continue;
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    sum += d * d;
    ++n;
  }
  return n == 0 ? 0.0 : sum / static_cast<double>(n);
}

double psnr(double mse) { return mse > 0.0 ? 10.0 * std::log10(1.0 / mse) : std::numeric_limits<double>::infinity(); }

}  // namespace vkvae::train
