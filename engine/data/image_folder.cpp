#include "data/image_folder.hpp"

#include <algorithm>

#include "io/image_file.hpp"
#include "util/error.hpp"

namespace vkvae::data {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code error;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, error)) {
    if (directories ? e.is_directory(error) : (e.is_regular_file(error) && io::is_image_file_name(e.path()))) out.push_back(e.path());
  }
  if (error) throw UsageError(dir.string() + ": cannot list it (" + error.message() + ")");
  std::sort(out.begin(), out.end());
  return out;
}

// Appends one decoded file, planar, checking it against the set's shape.
void append(Images& images, const fs::path& file, io::DecodedImage image, const ImageFormat& format, const fs::path& first) {
  Images one;
  one.count = 1, one.rows = image.height, one.cols = image.width, one.channels = image.channels;
  const auto plane = static_cast<std::size_t>(image.height * image.width), c = static_cast<std::size_t>(image.channels);
  one.pixels.resize(plane * c);
  for (std::size_t p = 0; p < plane; ++p) {
    for (std::size_t k = 0; k < c; ++k) one.pixels[k * plane + p] = image.pixels[p * c + k];
  }
  apply_format(one, format);
  if (images.count == 0) {
    images.rows = one.rows, images.cols = one.cols, images.channels = one.channels;
  } else if (one.rows != images.rows || one.cols != images.cols || one.channels != images.channels) {
    const bool size = one.rows != images.rows || one.cols != images.cols;
    throw UsageError(file.string() + ": " + describe_shape(one.rows, one.cols, one.channels) + ", but " + first.string() + " is " +
                     describe_shape(images.rows, images.cols, images.channels) + "; give " +
                     (size ? "--image-size H[xW] to resize them all" : "--channels 1 or 3 to convert them all"));
  }
  images.pixels.insert(images.pixels.end(), one.pixels.begin(), one.pixels.end());
  ++images.count;
}

}  // namespace

std::vector<std::string> class_folder_names(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::path& f : sorted_entries(dir, true)) names.push_back(f.filename().string());
  return names;
}

bool is_image_folder_root(const fs::path& dir) {
  std::error_code error;
  return fs::is_directory(dir / "train", error);
}

Dataset load_image_folder(const fs::path& dir, const ImageFormat& format, const std::vector<std::string>& classes) {
  Dataset d;
  const std::vector<fs::path> folders = sorted_entries(dir, true);
  fs::path first;
  const auto load_files = [&](const fs::path& folder, int label) {
    const std::vector<fs::path> files = sorted_entries(folder, false);
    if (files.empty()) throw UsageError(folder.string() + ": no PNG or JPEG images in it; add some or remove the folder");
    for (const fs::path& file : files) {
      if (first.empty()) first = file;
      append(d.images, file, io::read_image_file(file), format, first);
      if (label >= 0) d.labels.push_back(static_cast<uint8_t>(label));
    }
  };
  if (folders.empty()) {
    load_files(dir, -1);  // an unlabeled split: the images themselves
    return d;
  }
  d.class_names = classes;
  if (d.class_names.empty()) {
    for (const fs::path& f : folders) d.class_names.push_back(f.filename().string());
  }
  if (d.class_names.size() > 256) throw UsageError(dir.string() + ": " + std::to_string(d.class_names.size()) + " class folders; vkvae takes at most 256 classes");
  for (const fs::path& f : folders) {
    const auto it = std::find(d.class_names.begin(), d.class_names.end(), f.filename().string());
    if (it == d.class_names.end()) {
      throw UsageError(f.string() + ": a class the train split does not have; every test class needs a train folder of the same name");
    }
    load_files(f, static_cast<int>(it - d.class_names.begin()));
  }
  d.classes = static_cast<int64_t>(d.class_names.size());
  return d;
}

}  // namespace vkvae::data
