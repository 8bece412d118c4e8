#include "train/applications.hpp"

#include <algorithm>
#include <cmath>

#include "ops/image.hpp"
#include "ops/random.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

// Rows of one replayed batch: large enough that a submit's fixed cost vanishes, small enough
// that a conv model's activations stay a few hundred MiB.
constexpr int64_t kBatch = 1024;

int64_t batch_for(int64_t count) { return std::clamp<int64_t>(count, 1, kBatch); }

void check_labels(const TrainedModel& model, std::span<const uint8_t> labels, int64_t count) {
  if (model.options().conditional() && static_cast<int64_t>(labels.size()) != count) {
    throw UsageError("a conditional model needs a label for every image (" + std::to_string(count) + ")");
  }
}

std::span<const uint8_t> rows_of(std::span<const uint8_t> labels, std::size_t first, std::size_t n) {
  return labels.empty() ? labels : labels.subspan(first, n);
}

// Runs `pass` over `count` rows of `input` (`width` values each) in batches; `each(first, n,
// output)` takes each batch's results.
void over_batches(BatchPass& pass, std::span<const float> input, std::span<const uint8_t> labels, int64_t count, unsigned read,
                  const Progress& progress, const std::function<void(std::size_t, std::size_t, BatchPass::Output&)>& each) {
  const auto width = static_cast<std::size_t>(pass.input_width());
  const auto batch = static_cast<std::size_t>(pass.batch());
  for (std::size_t first = 0; first < static_cast<std::size_t>(count); first += batch) {
    const std::size_t n = std::min(batch, static_cast<std::size_t>(count) - first);
    BatchPass::Output out = pass.run(input.subspan(first * width, n * width), rows_of(labels, first, n), read);
    each(first, n, out);
    if (progress) progress(static_cast<int64_t>(first + n), count);
  }
}

}  // namespace

Picture comparison_grid(const std::vector<std::span<const float>>& sets, std::span<const uint8_t> hidden, int64_t show, int64_t nrow,
                        const models::ImageShape& shape) {
  const auto h = static_cast<uint32_t>(shape.height), w = static_cast<uint32_t>(shape.width);
  const auto plane = std::size_t{h} * w, channels = static_cast<std::size_t>(shape.channels);
  const ops::GridLayout layout{static_cast<uint32_t>(nrow), 2};
  const auto groups = static_cast<uint32_t>((show + nrow - 1) / nrow);
  const auto rows = static_cast<uint32_t>(sets.size());
  const ops::GridSize size = ops::grid_size(static_cast<uint32_t>(std::min(show, nrow)), h, w, layout);
  const uint32_t width = size.width, height = layout.padding + groups * rows * (h + layout.padding);
  Picture picture{width, height, std::vector<uint32_t>(std::size_t{width} * height, 0xFF000000u)};
  const auto byte = [](float v) { return static_cast<uint32_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f)); };
  for (int64_t image = 0; image < show; ++image) {
    const auto column = static_cast<uint32_t>(image % nrow), group = static_cast<uint32_t>(image / nrow);
    for (uint32_t set = 0; set < rows; ++set) {
      const uint32_t x0 = layout.padding + column * (w + layout.padding);
      const uint32_t y0 = layout.padding + (group * rows + set) * (h + layout.padding);
      const float* values = sets[set].data() + static_cast<std::size_t>(image) * plane * channels;
      for (std::size_t p = 0; p < plane; ++p) {
        const uint32_t r = byte(values[p]), g = channels == 3 ? byte(values[plane + p]) : r, b = channels == 3 ? byte(values[2 * plane + p]) : r;
        const bool masked = set == 0 && !hidden.empty() && hidden[static_cast<std::size_t>(image) * plane + p];
        const uint32_t rgba = masked ? 0xFF202080u : (0xFF000000u | b << 16 | g << 8 | r);
        picture.pixels[std::size_t{y0 + static_cast<uint32_t>(p / w)} * width + x0 + static_cast<uint32_t>(p % w)] = rgba;
      }
    }
  }
  return picture;
}

std::vector<float> to_unit_interval(const data::Images& images) {
  std::vector<float> out(images.pixels.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(images.pixels[i]) * (1.0f / 255.0f);
  return out;
}

data::Images to_bytes(std::span<const float> images, const models::ImageShape& shape) {
  data::Images out;
  out.count = static_cast<int64_t>(images.size()) / shape.size();
  out.rows = shape.height, out.cols = shape.width, out.channels = shape.channels;
  out.pixels.resize(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    out.pixels[i] = static_cast<uint8_t>(std::lround(std::clamp(images[i], 0.0f, 1.0f) * 255.0f));
  }
  return out;
}

Latents encode(TrainedModel& model, std::span<const float> images, std::span<const uint8_t> labels, const Progress& progress) {
  const auto count = static_cast<int64_t>(images.size()) / model.options().pixels();
  check_labels(model, labels, count);
  const auto pass = model.make_pass(batch_for(count), Pass::reconstruct);
  Latents latents{model.options().latent(), {}, {}};
  latents.mu.reserve(static_cast<std::size_t>(count * latents.latent));
  latents.logvar.reserve(latents.mu.capacity());
  over_batches(*pass, images, labels, count, BatchPass::kLatents, progress, [&](std::size_t, std::size_t, BatchPass::Output& out) {
    latents.mu.insert(latents.mu.end(), out.mu.begin(), out.mu.end());
    latents.logvar.insert(latents.logvar.end(), out.logvar.begin(), out.logvar.end());
  });
  return latents;
}

std::vector<float> decode(TrainedModel& model, std::span<const float> z, std::span<const uint8_t> labels, const Progress& progress) {
  const auto latent = static_cast<std::size_t>(model.options().latent());
  const auto count = static_cast<int64_t>(z.size() / latent);
  check_labels(model, labels, count);
  const auto pass = model.make_pass(batch_for(count), Pass::decode);
  std::vector<float> images;
  images.reserve(static_cast<std::size_t>(count * model.options().pixels()));
  over_batches(*pass, z, labels, count, BatchPass::kMean, progress,
               [&](std::size_t, std::size_t, BatchPass::Output& out) { images.insert(images.end(), out.mean.begin(), out.mean.end()); });
  return images;
}

std::vector<float> reconstruct(TrainedModel& model, std::span<const float> images, std::span<const uint8_t> labels, const Progress& progress) {
  const auto count = static_cast<int64_t>(images.size()) / model.options().pixels();
  check_labels(model, labels, count);
  const auto pass = model.make_pass(batch_for(count), Pass::reconstruct);
  std::vector<float> out;
  out.reserve(images.size());
  over_batches(*pass, images, labels, count, BatchPass::kMean, progress,
               [&](std::size_t, std::size_t, BatchPass::Output& o) { out.insert(out.end(), o.mean.begin(), o.mean.end()); });
  return out;
}

Inpainting inpaint(TrainedModel& model, std::span<const float> images, std::span<const uint8_t> labels, std::span<const uint8_t> masks,
                   std::span<const float> fill, const InpaintOptions& options, const Progress& progress) {
  const auto pixels = static_cast<std::size_t>(model.options().pixels());
  const auto plane = static_cast<std::size_t>(model.options().image.height * model.options().image.width);
  const auto count = static_cast<int64_t>(images.size() / pixels);
  check_labels(model, labels, count);
  if (masks.size() != static_cast<std::size_t>(count) * plane || fill.size() != pixels) throw Error("inpaint: masks or fill of the wrong size");
  // Whether value i of the images (any channel) is hidden.
  const auto hidden_at = [&](std::size_t i) { return masks[(i / pixels) * plane + i % plane] != 0; };
  const auto pass = model.make_pass(batch_for(count), options.sample_z ? Pass::reconstruct_sampled : Pass::reconstruct);
  const auto iterations = static_cast<std::size_t>(options.iterations);
  Inpainting result{std::vector<float>(images.begin(), images.end()), std::vector<double>(iterations + 1, 0.0)};
  std::vector<double> squared(iterations + 1, 0.0);
  std::size_t hidden = 0;
  // Adds the squared error of the hidden pixels of rows [first, first + n) to `sum`.
  const auto add_error = [&](std::size_t first, std::size_t n, double& sum) {
    for (std::size_t i = first * pixels; i < (first + n) * pixels; ++i) {
      if (!hidden_at(i)) continue;
      const double d = static_cast<double>(result.images[i]) - static_cast<double>(images[i]);
      sum += d * d;
    }
  };
  const auto batch = static_cast<std::size_t>(pass->batch());
  for (std::size_t first = 0, b = 0; first < static_cast<std::size_t>(count); first += batch, ++b) {
    const std::size_t n = std::min(batch, static_cast<std::size_t>(count) - first);
    const std::span<float> rows(result.images.data() + first * pixels, n * pixels);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (hidden_at(first * pixels + i)) {
        rows[i] = fill[i % pixels];
        ++hidden;
      }
    }
    add_error(first, n, squared[0]);
    for (std::size_t it = 1; it <= iterations; ++it) {
      const BatchPass::Output out =
          pass->run(rows, rows_of(labels, first, n), BatchPass::kMean, options.seed, static_cast<uint64_t>(b * (iterations + 1) + it));
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (hidden_at(first * pixels + i)) rows[i] = out.mean[i];
      }
      add_error(first, n, squared[it]);
    }
    if (progress) progress(static_cast<int64_t>(first + n), count);
  }
  for (std::size_t it = 0; it <= iterations; ++it) result.mse_by_iteration[it] = hidden == 0 ? 0.0 : squared[it] / static_cast<double>(hidden);
  return result;
}

std::vector<float> prior_draws(int64_t count, int64_t latent, uint64_t seed, int64_t first) {
  std::vector<float> z(static_cast<std::size_t>(count * latent));
  const ops::RngState key = ops::RngState::from(seed, 0);
  const auto offset = static_cast<std::size_t>(first * latent);
  if (offset + z.size() > (std::size_t{1} << 32)) throw UsageError("prior draws: at most 2³² values from one seed");
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = ops::standard_normal(key, ops::RngStream::prior, static_cast<uint32_t>(offset + i));
  return z;
}

std::vector<float> generate(TrainedModel& model, int64_t count, std::span<const uint8_t> labels, uint64_t seed, int64_t first,
                            const Progress& progress) {
  return decode(model, prior_draws(count, model.options().latent(), seed, first), labels, progress);
}

}  // namespace vkvae::train
