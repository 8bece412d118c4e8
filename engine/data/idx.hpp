// IDX files (the MNIST format): a big-endian header — two zero bytes, a type code (0x08 for
// unsigned bytes), the number of dimensions — then each dimension as a big-endian u32, then the
// data, row-major. Files may be gzip-compressed. Every malformed case is a vkvae::Error naming
// the file and what is wrong with it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace vkvae::data {

// What an error about an IDX file tells a person to do, by default (the run's data).
inline constexpr const char* kMnistHint = "re-fetch it (scripts/fetch-mnist.sh) or check --data";

// The whole file, inflated when it starts with gzip's magic bytes.
std::vector<uint8_t> read_maybe_gzip(const std::filesystem::path& path, const std::string& hint = kMnistHint);

// Images stored as PyTorch holds them: each image's channels one after another, (C, H, W).
struct Images {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count × channels × rows × cols
  int64_t channels = 1;         // 1 (grey) or 3 (RGB)
  int64_t image_size() const { return channels * rows * cols; }
};

// "28×28 grey" or "64×64 RGB": images of that shape, for messages.
std::string describe_shape(int64_t rows, int64_t cols, int64_t channels);

// A u8 IDX file of grey images (count, rows, cols) or of colour ones (count, rows, cols,
// channels) with 1 or 3 channels, channels last as such files hold them (stored planar here).
Images read_idx_images(const std::filesystem::path& path, const std::string& hint = kMnistHint);
// A u8 IDX file of 1 dimension (count).
std::vector<uint8_t> read_idx_labels(const std::filesystem::path& path, const std::string& hint = kMnistHint);

// The header of an IDX file of unsigned bytes with dimensions `dims`.
std::vector<uint8_t> idx_header(const std::vector<uint32_t>& dims);
// A whole IDX file: the header for `dims`, then `data` (checked to be their product in bytes).
std::vector<uint8_t> encode_idx(const std::vector<uint32_t>& dims, std::span<const uint8_t> data);
// Writes images as plain IDX files, atomically: grey as (count, rows, cols), colour as (count,
// rows, cols, 3); labels as (count).
void write_idx_images(const std::filesystem::path& path, const Images& images);
void write_idx_labels(const std::filesystem::path& path, std::span<const uint8_t> labels);

// Images with their labels (or none: an unlabeled split), checked to agree in count and to be
// non-empty. `classes`: how many the labels distinguish (the largest label + 1, or the
// number of class folders); `class_names` when the data names them (image folders).
struct Dataset {
  Images images;
  std::vector<uint8_t> labels;
  int64_t classes = 0;
  std::vector<std::string> class_names;
  int64_t size() const { return images.count; }
  bool labeled() const { return !labels.empty(); }
};
// `labels` may be empty: an unlabeled split.
Dataset load_dataset(const std::filesystem::path& images, const std::filesystem::path& labels, const std::string& hint = kMnistHint);

}  // namespace vkvae::data
