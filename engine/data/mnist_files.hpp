// Where the four IDX files of an MNIST-layout data directory are.
#pragma once

#include <filesystem>
#include <string_view>

namespace vkvae::data {

struct MnistFiles {
  std::filesystem::path train_images, train_labels, test_images, test_labels;
};

// Finds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte in `dir`, each plain or with ".gz". Throws UsageError naming `flag`,
// the directory or the missing file, and how to fetch MNIST.
MnistFiles find_mnist_files(const std::filesystem::path& dir, std::string_view flag = "--data");

// One split's two files: "train" (train-…) or "test" (t10k-…), the same way.
struct SplitFiles {
  std::filesystem::path images, labels;
};
SplitFiles find_split_files(const std::filesystem::path& dir, std::string_view split, std::string_view flag = "--data");

}  // namespace vkvae::data
