#include "data/data_dir.hpp"

#include <string>
#include <system_error>

#include "data/image_folder.hpp"
#include "util/error.hpp"

namespace vkvae::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFetchHint = "run scripts/fetch-mnist.sh, or point --data at a directory of MNIST-layout "
                                   "IDX files (-idx4-ubyte for colour) or of image folders (train/<class>/*.png)";

std::string hint_for(std::string_view flag) {
  if (flag == "--data") return kFetchHint;
  return "give " + std::string(flag) + " an IDX file or an MNIST-layout directory";
}

fs::path find_file(const fs::path& dir, const std::string& name) {
  std::error_code error;
  for (const std::string& candidate : {name, name + ".gz"}) {
    if (fs::is_regular_file(dir / candidate, error)) return dir / candidate;
  }
  return {};
}

std::string check_directory(const fs::path& dir, std::string_view flag) {
  const std::string where = std::string(flag) + " " + dir.string();
  std::error_code error;
  if (!fs::exists(dir, error)) throw UsageError(where + ": directory not found; " + hint_for(flag));
  if (!fs::is_directory(dir, error)) throw UsageError(where + ": not a directory; " + hint_for(flag));
  return where;
}

std::string prefix_of(std::string_view split) { return split == "train" ? "train" : "t10k"; }

std::string shape_text(const Images& i) { return describe_shape(i.rows, i.cols, i.channels); }

// The test split against the train split's shape, labels and classes.
void check_agree(const Dataset& train, const Dataset& test, const fs::path& dir, std::string_view flag) {
  const std::string where = std::string(flag) + " " + dir.string();
  const Images &a = train.images, &b = test.images;
  if (a.rows != b.rows || a.cols != b.cols || a.channels != b.channels) {
    throw UsageError(where + ": the test images are " + shape_text(b) + ", the train images " + shape_text(a) +
                     "; give --image-size H[xW] and --channels to bring both to one shape");
  }
  if (train.labeled() != test.labeled()) {
    throw UsageError(where + ": the " + std::string(train.labeled() ? "train" : "test") + " split has labels and the " +
                     (train.labeled() ? "test" : "train") + " split has none; label both or neither");
  }
  for (std::size_t i = 0; i < test.labels.size(); ++i) {
    if (test.labels[i] >= train.classes) {
      throw UsageError(where + ": test image " + std::to_string(i) + " has label " + std::to_string(test.labels[i]) +
                       ", a class the train split lacks (it has 0–" + std::to_string(train.classes - 1) + ")");
    }
  }
}

Dataset load_idx_split(const fs::path& dir, std::string_view split, const ImageFormat& format, std::string_view flag) {
  const SplitFiles files = find_split_files(dir, split, flag);
  Dataset d = load_dataset(files.images, files.labels);
  apply_format(d.images, format);
  return d;
}

}  // namespace

SplitFiles find_split_files(const fs::path& dir, std::string_view split, std::string_view flag) {
  const std::string where = check_directory(dir, flag);
  const std::string prefix = prefix_of(split);
  SplitFiles files{find_file(dir, prefix + "-images-idx3-ubyte"), find_file(dir, prefix + "-labels-idx1-ubyte")};
  if (files.images.empty()) files.images = find_file(dir, prefix + "-images-idx4-ubyte");
  if (files.images.empty()) {
    throw UsageError(where + ": no " + prefix + "-images-idx3-ubyte (or " + prefix + "-images-idx3-ubyte.gz) in it; " + hint_for(flag));
  }
  // Labels are optional, but a test split lacks them only when the train split does too.
  if (files.labels.empty() && split != "train" && !find_file(dir, "train-labels-idx1-ubyte").empty()) {
    throw UsageError(where + ": no " + prefix + "-labels-idx1-ubyte (or " + prefix + "-labels-idx1-ubyte.gz) in it; " + hint_for(flag));
  }
  return files;
}

void check_data_dir(const fs::path& dir, std::string_view flag) {
  check_directory(dir, flag);
  if (is_image_folder_root(dir)) return;
  find_split_files(dir, "train", flag);
  find_split_files(dir, "test", flag);
}

Dataset load_split(const fs::path& dir, std::string_view split, const ImageFormat& format, std::string_view flag) {
  check_directory(dir, flag);
  if (!is_image_folder_root(dir)) return load_idx_split(dir, split, format, flag);
  // The train split's class folders name the classes, test's too.
  const std::vector<std::string> classes = class_folder_names(dir / "train");
  return load_image_folder(dir / (split == "train" ? "train" : "test"), format, classes);
}

Splits load_data_dir(const fs::path& dir, const ImageFormat& format, std::string_view flag) {
  check_directory(dir, flag);
  Splits s;
  if (is_image_folder_root(dir)) {
    std::error_code error;
    if (!fs::is_directory(dir / "test", error)) {
      throw UsageError(std::string(flag) + " " + dir.string() + ": a train/ folder but no test/ one; add the test split's images there");
    }
    s.train = load_image_folder(dir / "train", format);
    s.test = load_image_folder(dir / "test", format, s.train.class_names);
    s.layout = "image folders";
  } else {
    check_data_dir(dir, flag);  // every file there before any is read
    s.train = load_idx_split(dir, "train", format, flag);
    s.test = load_idx_split(dir, "test", format, flag);
    s.layout = "IDX files";
  }
  check_agree(s.train, s.test, dir, flag);
  return s;
}

}  // namespace vkvae::data
