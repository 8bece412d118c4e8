#include "application_commands.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "train/applications.hpp"
#include "train/corruption.hpp"
#include "train/latents_file.hpp"
#include "util/error.hpp"

namespace vkvae::app {
namespace {

namespace fs = std::filesystem;
using train::TrainedModel;

// A bigger grid than this is a picture nobody opens: write the images as IDX instead.
constexpr int64_t kMostInAGrid = 4096;

std::string model_name(const TrainedModel& model) { return model.options().model_label(); }

// "28×28 grey" or "64×64 RGB": the model's images, for messages.
std::string image_text(const TrainedModel& model) {
  const models::ImageShape& s = model.options().image;
  return data::describe_shape(s.height, s.width, s.channels);
}

// The IDX name of a split's images for the model's images: idx3 for grey, idx4 for colour.
std::string images_file_name(const TrainedModel& model, const std::string& prefix) {
  return prefix + (model.options().image.channels == 1 ? "-images-idx3-ubyte" : "-images-idx4-ubyte");
}

void print_json(const nlohmann::json& j) { std::printf("%s\n", j.dump(2).c_str()); }

void check_suffix(const std::string& out, const char* flag, const char* suffix, const char* what) {
  if (out.empty()) throw UsageError(std::string(flag) + ": give the file to write");
  if (fs::path(out).extension() != suffix) throw UsageError(std::string(flag) + " " + out + ": " + what + "; name it *" + suffix);
}

int encode(vk::Context& context, const CommandOptions& o) {
  check_suffix(o.out, "--out", ".safetensors", "the latents are a safetensors file");
  TrainedModel model(context, o.checkpoint);
  const data::Dataset data = data_split(model, o, o.split);
  const auto start = std::chrono::steady_clock::now();
  train::Latents latents;
  {
    TerminalProgress progress("encode");
    latents = train::encode(model, train::to_unit_interval(data.images), data.labels, std::ref(progress));
  }
  const double seconds = seconds_since(start);
  const std::string source = o.data.empty() ? model.options().data.string() : o.data;
  train::write_latents(o.out, latents, data.labels,
                       {{"format", "vkvae-latents"}, {"checkpoint", o.checkpoint}, {"model", model_name(model)}, {"data", source},
                        {"split", o.split}, {"images", std::to_string(data.size())}});
  const double rate = static_cast<double>(data.size()) / seconds;
  if (o.json) {
    print_json({{"out", o.out}, {"images", data.size()}, {"latent", latents.latent}, {"seconds", seconds}, {"images_per_second", rate}});
    return 0;
  }
  std::printf("wrote %s: mu and logvar (%lld×%lld F32), labels (%lld U8); %lld %s images in %.2f s (%.0f images/s)\n", o.out.c_str(),
              static_cast<long long>(data.size()), static_cast<long long>(latents.latent), static_cast<long long>(data.size()),
              static_cast<long long>(data.size()), o.split.c_str(), seconds, rate);
  return 0;
}

// The class of each image of a conditional model's output: --class C for all, else `given`
// (a file's labels) or, without either, the classes in turn.
std::vector<uint8_t> classes_for(const TrainedModel& model, const CommandOptions& o, int64_t count, const std::vector<uint8_t>& given,
                                 const char* without) {
  const int64_t chosen = chosen_class(model.options(), o.class_choice, "--class");
  if (!model.options().conditional()) return {};
  const int64_t classes = model.options().classes;
  if (chosen >= 0) return std::vector<uint8_t>(static_cast<std::size_t>(count), static_cast<uint8_t>(chosen));
  if (!given.empty()) return given;
  if (without) throw UsageError(without);
  std::vector<uint8_t> turns(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < turns.size(); ++i) turns[i] = static_cast<uint8_t>(i % static_cast<std::size_t>(classes));
  return turns;
}

int decode(vk::Context& context, const CommandOptions& o) {
  const bool png = fs::path(o.out).extension() == ".png";
  if (!png) check_suffix(o.out, "--out", ".idx", "the output is a picture (*.png) or the images as IDX");
  TrainedModel model(context, o.checkpoint);
  train::LatentCodes codes = train::read_latents(o.latents, o.tensor, model.options().latent(), "--latents " + o.latents);
  if (o.limit > 0 && o.limit < codes.count) {
    codes.count = o.limit;
    codes.z.resize(static_cast<std::size_t>(o.limit * model.options().latent()));
    if (!codes.labels.empty()) codes.labels.resize(static_cast<std::size_t>(o.limit));
  }
  for (uint8_t label : codes.labels) {
    if (label >= model.options().classes && model.options().conditional()) {
      throw UsageError("--latents " + o.latents + ": label " + std::to_string(label) + " is not a class of this model (0–" +
                       std::to_string(model.options().classes - 1) + ")");
    }
  }
  const std::vector<uint8_t> classes =
      classes_for(model, o, codes.count, codes.labels, "--class: a conditional model decodes a class; the file has no labels, so give --class C");
  if (png && codes.count > kMostInAGrid) {
    throw UsageError("--out " + o.out + ": " + std::to_string(codes.count) + " images make too big a grid; give --limit N (≤ " +
                     std::to_string(kMostInAGrid) + ") or write FILE.idx");
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<float> images;
  {
    TerminalProgress progress("decode");
    images = train::decode(model, codes.z, classes, std::ref(progress));
  }
  if (png) {
    write_picture(o.out, train::comparison_grid({images}, {}, codes.count, o.nrow, model.options().image), o.json);
  } else {
    data::write_idx_images(o.out, train::to_bytes(images, model.options().image));
    if (!o.json) {
      std::printf("wrote %s: %lld images, %s u8 (the decoder's means)\n", o.out.c_str(), static_cast<long long>(codes.count), image_text(model).c_str());
    }
  }
  if (o.json) print_json({{"out", o.out}, {"images", codes.count}, {"tensor", o.tensor}, {"seconds", seconds_since(start)}});
  return 0;
}

int denoise(vk::Context& context, const CommandOptions& o) {
  check_png_path(o.out);
  const train::Noise noise = train::parse_noise(o.noise);
  TrainedModel model(context, o.checkpoint);
  bool labeled = false;
  const data::Dataset data = images_argument(model, o, labeled);
  const std::vector<float> clean = train::to_unit_interval(data.images);
  std::vector<float> noisy = clean;
  train::add_noise(noisy, noise, o.seed);
  const auto start = std::chrono::steady_clock::now();
  std::vector<float> denoised;
  {
    TerminalProgress progress("denoise");
    denoised = train::reconstruct(model, noisy, labeled ? std::span<const uint8_t>(data.labels) : std::span<const uint8_t>(), std::ref(progress));
  }
  const double seconds = seconds_since(start);
  const double noisy_mse = train::mean_squared_error(noisy, clean), denoised_mse = train::mean_squared_error(denoised, clean);
  const int64_t show = std::min(o.show, data.size());
  write_picture(o.out, train::comparison_grid({noisy, denoised, clean}, {}, show, o.nrow, model.options().image), o.json);
  if (o.json) {
    print_json({{"out", o.out},
                {"images", data.size()},
                {"noise", o.noise},
                {"noisy_mse", noisy_mse},
                {"denoised_mse", denoised_mse},
                {"noisy_psnr", train::psnr(noisy_mse)},
                {"denoised_psnr", train::psnr(denoised_mse)},
                {"seconds", seconds}});
    return 0;
  }
  std::printf("%lld images, noise %s (rows: noisy, denoised, clean)\n", static_cast<long long>(data.size()), o.noise.c_str());
  std::printf("noisy:    MSE %.5f, PSNR %.2f dB\n", noisy_mse, train::psnr(noisy_mse));
  std::printf("denoised: MSE %.5f, PSNR %.2f dB\n", denoised_mse, train::psnr(denoised_mse));
  return 0;
}

int inpaint(vk::Context& context, const CommandOptions& o) {
  check_png_path(o.out);
  const train::MaskSpec mask = train::parse_mask(o.mask);
  if (o.z != "sample" && o.z != "mean") throw UsageError("--z " + o.z + ": sample (z drawn from q(z|x)) or mean (z = μ)");
  TrainedModel model(context, o.checkpoint);
  bool labeled = false;
  const data::Dataset data = images_argument(model, o, labeled);
  const models::ImageShape& shape = model.options().image;
  const std::vector<uint8_t> masks = train::make_masks(mask, data.size(), shape.height, shape.width, o.seed);
  // The baseline, and the chain's start: every hidden pixel gets its mean over the training set.
  CommandOptions train_split = o;
  train_split.limit = 0;
  const data::Dataset training = data_split(model, train_split, "train");
  const std::vector<float> mean_image = [&] {
    const auto pixels = static_cast<std::size_t>(shape.size());
    std::vector<double> sum(pixels, 0.0);
    for (std::size_t i = 0; i < training.images.pixels.size(); ++i) sum[i % pixels] += training.images.pixels[i];
    std::vector<float> mean(pixels);
    for (std::size_t p = 0; p < pixels; ++p) mean[p] = static_cast<float>(sum[p] / (255.0 * static_cast<double>(training.size())));
    return mean;
  }();
  const std::vector<float> original = train::to_unit_interval(data.images);
  const auto start = std::chrono::steady_clock::now();
  train::Inpainting result;
  {
    TerminalProgress progress("inpaint");
    result = train::inpaint(model, original, labeled ? std::span<const uint8_t>(data.labels) : std::span<const uint8_t>(), masks, mean_image,
                            {o.iterations, o.z == "sample", o.seed}, std::ref(progress));
  }
  const double seconds = seconds_since(start);
  const double baseline = result.mse_by_iteration.front(), inpainted = result.mse_by_iteration.back();
  const int64_t show = std::min(o.show, data.size());
  write_picture(o.out, train::comparison_grid({original, result.images, original}, masks, show, o.nrow, shape), o.json);
  if (o.json) {
    print_json({{"out", o.out},
                {"images", data.size()},
                {"mask", o.mask},
                {"iterations", o.iterations},
                {"z", o.z},
                {"inpainted_mse", inpainted},
                {"baseline_mse", baseline},
                {"mse_by_iteration", result.mse_by_iteration},
                {"seconds", seconds}});
    return 0;
  }
  std::printf("%lld images, mask %s, %lld iterations, z %s (rows: masked, inpainted, original)\n", static_cast<long long>(data.size()),
              o.mask.c_str(), static_cast<long long>(o.iterations), o.z.c_str());
  std::printf("MSE over the hidden pixels: inpainted %.5f, mean-image baseline %.5f\n", inpainted, baseline);
  return 0;
}

int augment(vk::Context& context, const CommandOptions& o) {
  if (o.out.empty()) throw UsageError("--out: give the directory to write the IDX files in");
  if (o.per_class > 0 && o.augment_count > 0) throw UsageError("--per-class: give it or --count, not both");
  if (o.per_class > 0 && !o.class_choice.empty()) throw UsageError("--per-class: give it or --class, not both");
  if (o.per_class == 0 && o.augment_count == 0) throw UsageError("--count: give the number of images (or --per-class N)");
  TrainedModel model(context, o.checkpoint);
  const bool conditional = model.options().conditional();
  if (o.per_class > 0 && !conditional) throw UsageError("--per-class: this model is not conditional (use a cmlp or cconv checkpoint)");
  const int64_t count = o.per_class > 0 ? o.per_class * model.options().classes : o.augment_count;
  std::vector<uint8_t> labels;
  if (o.per_class > 0) {
    for (int64_t c = 0; c < model.options().classes; ++c) labels.insert(labels.end(), static_cast<std::size_t>(o.per_class), static_cast<uint8_t>(c));
  } else {
    labels = classes_for(model, o, count, {}, nullptr);
  }
  const std::string prefix = o.augment_split == "train" ? "train" : "t10k";
  const fs::path dir = o.out, images_file = dir / images_file_name(model, prefix), labels_file = dir / (prefix + "-labels-idx1-ubyte");
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_directory(dir, error)) throw UsageError("--out " + o.out + ": is a file; give a directory");
  for (const fs::path& file : {images_file, labels_file}) {
    if (fs::exists(file, error)) {
      throw UsageError("--out " + o.out + ": " + file.filename().string() + " exists; augment never overwrites data (choose another --out or --split)");
    }
  }
  fs::create_directories(dir, error);
  if (error) throw UsageError("--out " + o.out + ": cannot create it (" + error.message() + ")");
  const auto start = std::chrono::steady_clock::now();
  const models::ImageShape& shape = model.options().image;
  data::Images images;
  images.count = count, images.rows = shape.height, images.cols = shape.width, images.channels = shape.channels;
  images.pixels.reserve(static_cast<std::size_t>(count * shape.size()));
  {
    // In pieces, so that a million images never sit in memory as floats.
    TerminalProgress progress("augment");
    constexpr int64_t kPiece = 65536;
    for (int64_t first = 0; first < count; first += kPiece) {
      const int64_t n = std::min(kPiece, count - first);
      const std::span<const uint8_t> piece = labels.empty() ? std::span<const uint8_t>() : std::span<const uint8_t>(labels).subspan(static_cast<std::size_t>(first), static_cast<std::size_t>(n));
      const std::vector<float> generated = train::generate(model, n, piece, o.seed, first);
      const data::Images bytes = train::to_bytes(generated, shape);
      images.pixels.insert(images.pixels.end(), bytes.pixels.begin(), bytes.pixels.end());
      progress(first + n, count);
    }
  }
  data::write_idx_images(images_file, images);
  if (!labels.empty()) data::write_idx_labels(labels_file, labels);
  const double seconds = seconds_since(start);
  if (o.json) {
    nlohmann::json j = {{"out", o.out}, {"images", count}, {"images_file", images_file.string()}, {"seconds", seconds}};
    if (!labels.empty()) j["labels_file"] = labels_file.string();
    print_json(j);
    return 0;
  }
  std::printf("wrote %s: %lld generated images, %s u8", images_file.c_str(), static_cast<long long>(count), image_text(model).c_str());
  if (!labels.empty()) std::printf(", and %s", labels_file.c_str());
  std::printf(" (%.1f s)\n", seconds);
  return 0;
}

}  // namespace

void add_application_commands(CLI::App& app, CommandOptions& o, std::function<int(vk::Context&)>& run) {
  const auto set = [&](CLI::App* command, int (*action)(vk::Context&, const CommandOptions&)) {
    add_checkpoint_argument(command, o);
    command->callback([&, action] { run = [&, action](vk::Context& c) {
      o.checkpoint = checkpoint_file(o.checkpoint);
      return action(c, o);
    }; });
  };
  const auto json = [&](CLI::App* c, const char* what) { c->add_flag("--json", o.json, what); };
  const auto seed = [&](CLI::App* c, const char* what) { c->add_option("--seed", o.seed, what)->capture_default_str()->type_name("N"); };
  const auto images = [&](CLI::App* c) {
    c->add_option("--images", o.images, "An IDX image file (plain or .gz), or an MNIST-layout directory (its test split)")
        ->required()
        ->type_name("IDX|DIR");
    c->add_option("--labels", o.labels, "The IDX file's labels (needed by conditional models)")->type_name("FILE");
    c->add_option("--limit", o.limit, "Only the first N images")->check(whole(1))->type_name("N");
    c->add_option("--show", o.show, "Images the picture shows")->capture_default_str()->check(whole(1, kMostInAGrid))->type_name("N");
    c->add_option("--nrow", o.nrow, "Images per row of the picture")->capture_default_str()->check(whole(1, 256))->type_name("N");
    c->add_option("--out", o.out, "PNG file to write")->required()->type_name("FILE.png");
  };
  const auto split = [&](CLI::App* c, std::string& field, const char* what) {
    c->add_option("--split", field, what)->capture_default_str()->check(CLI::IsMember({"train", "test"}))->type_name("train|test");
  };

  CLI::App* e = app.add_subcommand("encode", "μ and log σ² of q(z|x) of every image, as safetensors");
  e->add_option("--data", o.data, "MNIST-layout IDX directory (default: the one the model trained on)")->type_name("DIR");
  split(e, o.split, "The split to encode");
  e->add_option("--limit", o.limit, "Only the first N images")->check(whole(1))->type_name("N");
  e->add_option("--out", o.out, "safetensors file to write")->required()->type_name("FILE.safetensors");
  json(e, "Print the figures as one JSON object (images, latent, seconds, images_per_second)");
  set(e, encode);

  CLI::App* d = app.add_subcommand("decode", "Latent codes (encode's, say) back to images: a PNG grid or an IDX file");
  d->add_option("--latents", o.latents, "safetensors file with an F32 (N, latent) tensor")->required()->check(CLI::ExistingFile)->type_name("FILE");
  d->add_option("--tensor", o.tensor, "The tensor to decode")->capture_default_str()->type_name("NAME");
  d->add_option("--class", o.class_choice, "Conditional models: the class of every image, by number or folder name (default: the file's labels)")
      ->type_name("C");
  d->add_option("--limit", o.limit, "Only the first N codes")->check(whole(1))->type_name("N");
  d->add_option("--nrow", o.nrow, "Images per row of a PNG")->capture_default_str()->check(whole(1, 256))->type_name("N");
  d->add_option("--out", o.out, "grid.png, or FILE.idx for the images themselves (28×28 u8)")->required()->type_name("FILE.png|FILE.idx");
  json(d, "Print what it wrote as one JSON object (out, images, seconds)");
  set(d, decode);

  CLI::App* n = app.add_subcommand("denoise", "Add noise to images and reconstruct them; MSE and PSNR of both");
  images(n);
  n->add_option("--noise", o.noise, "gaussian:σ (clipped to [0, 1]), salt-pepper:p or none")->capture_default_str()->type_name("SPEC");
  seed(n, "Noise seed");
  json(n, "Print the figures as one JSON object (noisy_mse, denoised_mse, noisy_psnr, denoised_psnr)");
  set(n, denoise);

  CLI::App* i = app.add_subcommand("inpaint", "Fill hidden pixels: encode → decode → known pixels back, repeated");
  images(i);
  i->add_option("--mask", o.mask, "center:HxW, random:p, left-half or file:MASK.png (white where hidden)")->capture_default_str()->type_name("SPEC");
  i->add_option("--iterations", o.iterations, "Encode → decode rounds")->capture_default_str()->check(whole(0, 10000))->type_name("N");
  i->add_option("--z", o.z, "sample: z drawn from q(z|x) each round (Rezende et al. 2014); mean: z = μ")->capture_default_str()->type_name("sample|mean");
  i->add_option("--data", o.data, "MNIST-layout directory whose training split gives the mean image (default: the model's)")->type_name("DIR");
  seed(i, "Seed of random masks and of z's draws");
  json(i, "Print the figures as one JSON object (inpainted_mse, baseline_mse, mse_by_iteration)");
  set(i, inpaint);

  CLI::App* a = app.add_subcommand("augment", "Generated images as MNIST-layout IDX files (labelled if conditional)");
  a->add_option("--count", o.augment_count, "Images to generate")->check(whole(1, 1000000))->type_name("N");
  a->add_option("--class", o.class_choice, "Conditional models: only this class, by number or folder name (default: the classes in turn)")
      ->type_name("C");
  a->add_option("--per-class", o.per_class, "Conditional models: N images of every class")->check(whole(1, 100000))->type_name("N");
  split(a, o.augment_split, "The split the files are named for (train-… or t10k-…)");
  a->add_option("--out", o.out, "Directory to write the IDX files in (created; existing files are never overwritten)")->required()->type_name("DIR");
  seed(a, "Prior seed");
  json(a, "Print the figures as one JSON object");
  set(a, augment);
}

}  // namespace vkvae::app
