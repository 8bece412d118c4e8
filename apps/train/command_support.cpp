#include "command_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "data/data_dir.hpp"
#include "io/png.hpp"
#include "util/error.hpp"

namespace vkvae::app {

namespace fs = std::filesystem;

CLI::Validator whole(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& value) -> std::string {
        std::size_t used = 0;
        try {
          const long long v = std::stoll(value, &used);
          if (v >= min && v <= max && used == value.size()) return {};
        } catch (const std::exception&) {
          // Not a number: said below.
        }
        const std::string range = max == std::numeric_limits<int64_t>::max() ? "at least " + std::to_string(min)
                                                                             : "from " + std::to_string(min) + " to " + std::to_string(max);
        return "must be a whole number, " + range + " (got " + value + ")";
      },
      "", "whole number");
}

int64_t chosen_class(const train::TrainOptions& model, const std::string& given, const char* flag) {
  if (given.empty()) return -1;
  if (!model.conditional()) throw UsageError(std::string(flag) + ": this model is not conditional (use a cmlp or cconv checkpoint)");
  const std::vector<std::string>& names = model.class_names;
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (names[c] == given) return static_cast<int64_t>(c);
  }
  std::string listed;
  for (std::size_t c = 0; c < names.size() && c < 12; ++c) listed += (c == 0 ? "" : ", ") + names[c];
  if (names.size() > 12) listed += ", …";
  const std::string range = "classes 0–" + std::to_string(model.classes - 1) + (names.empty() ? "" : " (" + listed + ")");
  const bool number = given.find_first_not_of("0123456789") == std::string::npos && given.size() <= 9;
  if (!number) throw UsageError(std::string(flag) + " " + given + ": not a class of this model; it has " + range);
  const int64_t c = std::stoll(given);
  if (c >= model.classes) throw UsageError(std::string(flag) + " " + given + ": this model has " + range);
  return c;
}

std::string checkpoint_file(const std::string& given) {
  std::error_code error;
  if (!fs::is_directory(given, error)) return given;
  for (const char* name : {"best", "last"}) {
    const fs::path file = fs::path(given) / "checkpoints" / (std::string(name) + ".safetensors");
    if (fs::is_regular_file(file, error)) {
      std::fprintf(stderr, "using %s (the run's %s checkpoint)\n", file.c_str(), name);
      return file.string();
    }
  }
  throw UsageError(given + ": a directory without checkpoints/best.safetensors; give a checkpoint file or a run directory vkvae-train wrote");
}

void add_checkpoint_argument(CLI::App* command, CommandOptions& o) {
  command->add_option("checkpoint", o.checkpoint, "A checkpoint vkvae-train wrote, or a run directory (its best checkpoint)")
      ->required()
      ->type_name("CHECKPOINT|RUN_DIR")
      ->check(CLI::ExistingPath);
}

void check_png_path(const std::string& out, const char* flag) {
  if (out.empty()) throw UsageError(std::string(flag) + ": give the PNG file to write");
  if (fs::path(out).extension() != ".png") throw UsageError(std::string(flag) + " " + out + ": the picture is a PNG; name it *.png");
}

void write_picture(const std::string& out, const train::Picture& picture, bool quiet) {
  io::write_png(out, picture.width, picture.height, picture.pixels);
  if (!quiet) std::printf("wrote %s (%u×%u)\n", out.c_str(), picture.width, picture.height);
}

void keep_first(data::Dataset& data, int64_t limit) {
  if (limit <= 0 || limit >= data.size()) return;
  data.images.count = limit;
  data.images.pixels.resize(static_cast<std::size_t>(limit * data.images.image_size()));
  if (data.labeled()) data.labels.resize(static_cast<std::size_t>(limit));
}

data::Dataset data_split(const train::TrainedModel& model, const CommandOptions& o, const std::string& split) {
  const fs::path dir = o.data.empty() ? model.options().data : fs::path(o.data);
  data::Dataset d = data::load_split(dir, split, model.options().format);
  train::check_data_fits(model.options(), d, "--data " + dir.string());
  keep_first(d, o.limit);
  return d;
}

data::Dataset images_argument(const train::TrainedModel& model, const CommandOptions& o, bool& labeled) {
  std::error_code error;
  data::Dataset data;
  labeled = true;
  if (!fs::exists(o.images, error)) throw UsageError("--images " + o.images + ": no such file or directory");
  if (fs::is_directory(o.images, error)) {
    if (!o.labels.empty()) throw UsageError("--labels: --images names a directory, whose test split has its labels");
    data = data::load_split(o.images, "test", model.options().format, "--images");
  } else if (!o.labels.empty()) {
    data = data::load_dataset(o.images, o.labels, "check --images and --labels");
    data::apply_format(data.images, model.options().format);
  } else {
    if (model.options().conditional()) throw UsageError("--labels: a conditional model needs the images' labels");
    data.images = data::read_idx_images(o.images, "check --images");
    if (data.images.count == 0) throw UsageError("--images " + o.images + ": holds no images");
    data::apply_format(data.images, model.options().format);
  }
  labeled = data.labeled();
  train::check_data_fits(model.options(), data, "--images " + o.images);
  keep_first(data, o.limit);
  return data;
}

TerminalProgress::TerminalProgress(std::string name, std::string unit) : name_(std::move(name)), unit_(std::move(unit)), tty_(isatty(fileno(stderr)) != 0) {}

TerminalProgress::~TerminalProgress() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
}

void TerminalProgress::operator()(int64_t done, int64_t total) {
  if (!tty_) return;
  std::fprintf(stderr, "\r%s: %lld/%lld %s", name_.c_str(), static_cast<long long>(done), static_cast<long long>(total), unit_.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace vkvae::app
