// The data directory of --data, in either of two layouts:
//   IDX files in MNIST's layout and names: train-images-idx3-ubyte (grey, N×H×W) or
//     train-images-idx4-ubyte (N×H×W×C), train-labels-idx1-ubyte (optional), and the same
//     with t10k- for the test split; each plain or with ".gz";
//   image folders as torchvision's ImageFolder: DIR/train/<class>/*.png|jpg and DIR/test/…
//     (a split without class folders holds its images directly: unlabeled).
// Both splits are brought to one shape (--channels, --image-size) and checked to agree: the same
// shape, both labeled or neither, no test class the train split lacks.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "data/convert.hpp"
#include "data/idx.hpp"

namespace vkvae::data {

// One split's IDX files: "train" (train-…) or "test" (t10k-…); `labels` empty when there are none.
struct SplitFiles {
  std::filesystem::path images, labels;
};
// Throws UsageError naming `flag`, the directory or the missing file, and how to fetch MNIST.
SplitFiles find_split_files(const std::filesystem::path& dir, std::string_view split, std::string_view flag = "--data");

struct Splits {
  Dataset train, test;
  std::string layout;  // "IDX files" or "image folders", for the log
};

// Both splits of a data directory, checked to agree. Throws UsageError naming the flag, file or
// folder at fault and what to do.
Splits load_data_dir(const std::filesystem::path& dir, const ImageFormat& format = {}, std::string_view flag = "--data");
// One split ("train" or "test") of a data directory, as load_data_dir would give it (reading
// only that split's images).
Dataset load_split(const std::filesystem::path& dir, std::string_view split, const ImageFormat& format = {},
                   std::string_view flag = "--data");
// Throws as load_data_dir would when `dir` is not a data directory at all; reads no images.
void check_data_dir(const std::filesystem::path& dir, std::string_view flag = "--data");

}  // namespace vkvae::data
