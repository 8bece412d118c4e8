// Small MNIST-layout datasets for tests: IDX files written plain or gzipped, with synthetic
// digit-like images (a stroke whose place and slant depend on the label, plus noise), so
// training on them has something to learn and the suite needs no download.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace vkvae::test {

// `data` need not fill `dims`: tests write malformed files too.
void write_idx(const std::filesystem::path& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data, bool gzip);

struct SyntheticSplit {
  std::vector<uint8_t> images;  // count × 784
  std::vector<uint8_t> labels;
};
SyntheticSplit synthetic_digits(int64_t count, uint32_t seed);

// train-images-idx3-ubyte … t10k-labels-idx1-ubyte in `dir` (created), ".gz" when `gzip`.
void write_mnist_dir(const std::filesystem::path& dir, int64_t train, int64_t test, bool gzip = false);

}  // namespace vkvae::test
