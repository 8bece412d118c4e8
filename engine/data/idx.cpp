#include "data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::data {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, const std::string& hint) {
  throw Error(path.string() + ": " + what + "; " + hint, 2);
}

std::vector<uint8_t> inflate_gzip(const std::filesystem::path& path, const std::vector<uint8_t>& packed, const std::string& hint) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) fail(path, "zlib could not start inflating", hint);  // 16: gzip wrapper
  std::vector<uint8_t> out;
  stream.next_in = const_cast<Bytef*>(packed.data());
  stream.avail_in = static_cast<uInt>(packed.size());
  int status = Z_OK;
  while (status == Z_OK) {
    const std::size_t done = out.size();
    out.resize(done + (std::size_t{1} << 20));
    stream.next_out = out.data() + done;
    stream.avail_out = 1u << 20;
    status = inflate(&stream, Z_NO_FLUSH);
    out.resize(done + (std::size_t{1} << 20) - stream.avail_out);
    if (status == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended mid-stream
  }
  const std::string message = stream.msg ? stream.msg : "";
  inflateEnd(&stream);
  if (status == Z_DATA_ERROR) fail(path, "corrupt gzip data (" + message + ")", hint);
  if (status != Z_STREAM_END) fail(path, "truncated gzip data", hint);
  if (stream.avail_in != 0) fail(path, "unexpected bytes after the gzip data", hint);
  return out;
}

uint32_t big_endian(const std::vector<uint8_t>& bytes, std::size_t at) {
  return uint32_t{bytes[at]} << 24 | uint32_t{bytes[at + 1]} << 16 | uint32_t{bytes[at + 2]} << 8 | uint32_t{bytes[at + 3]};
}

// Checks the header and returns the dimensions; the data starts right after them.
std::vector<int64_t> parse_header(const std::filesystem::path& path, const std::vector<uint8_t>& bytes, uint8_t rank,
                                  const char* what, const std::string& hint) {
  const auto too_short = [&] { fail(path, "too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)", hint); };
  if (bytes.size() < 4) too_short();
  if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08) fail(path, "not an IDX file of unsigned bytes (bad magic)", hint);
  if (bytes[3] != rank) {
    fail(path, "has " + std::to_string(bytes[3]) + " dimensions; " + what + " have " + std::to_string(rank), hint);
  }
  if (bytes.size() < 4u + 4u * rank) too_short();
  std::vector<int64_t> dims;
  uint64_t expected = 4u + 4u * rank;
  uint64_t elements = 1;
  for (uint8_t d = 0; d < rank; ++d) {
    dims.push_back(big_endian(bytes, 4u + 4u * d));
  }
  // Dimensions up to 2³² - 1 each: their product can pass 2⁶⁴, which no file holds.
  bool overflow = false;
  for (int64_t d : dims) overflow = overflow || __builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements);
  overflow = overflow || __builtin_add_overflow(expected, elements, &expected);
  if (overflow) fail(path, "truncated: its header promises more than 2⁶⁴ bytes of data", hint);
  if (bytes.size() < expected) {
    fail(path, "truncated: the header promises " + std::to_string(expected) + " bytes, the file has " + std::to_string(bytes.size()), hint);
  }
  if (bytes.size() > expected) {
    fail(path, "has " + std::to_string(bytes.size() - expected) + " bytes after the data its header describes", hint);
  }
  return dims;
}

}  // namespace

std::vector<uint8_t> read_maybe_gzip(const std::filesystem::path& path, const std::string& hint) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw Error(path.string() + ": is a directory, not an IDX file; " + hint, 2);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open it; check that it exists and is readable", 2);
  // One read of the whole file into a vector of its size: a set of gigabytes is held once (a
  // growing vector would hold it twice for a moment) and read at the disk's pace.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) throw Error(path.string() + ": cannot tell its size", 2);
  std::vector<uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (in.gcount() != size) throw Error(path.string() + ": read error (" + std::to_string(in.gcount()) + " of " + std::to_string(size) + " bytes)", 2);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return inflate_gzip(path, bytes, hint);
  return bytes;
}

std::string describe_shape(int64_t rows, int64_t cols, int64_t channels) {
  return std::to_string(rows) + "×" + std::to_string(cols) + (channels == 3 ? " RGB" : channels == 1 ? " grey" : " of " + std::to_string(channels) + " channels");
}

Images read_idx_images(const std::filesystem::path& path, const std::string& hint) {
  std::vector<uint8_t> bytes = read_maybe_gzip(path, hint);
  const uint8_t rank = bytes.size() >= 4 && bytes[3] == 4 ? 4 : 3;
  const std::vector<int64_t> dims = parse_header(path, bytes, rank, rank == 4 ? "colour image files" : "image files", hint);
  Images images;
  images.count = dims[0], images.rows = dims[1], images.cols = dims[2];
  const std::size_t start = 4u + 4u * rank;
  if (rank == 4) {
    images.channels = dims[3];
    if (images.channels != 1 && images.channels != 3) {
      fail(path, "holds images of " + std::to_string(images.channels) + " channels; vkvae takes 1 (grey) or 3 (RGB)", hint);
    }
  }
  // Channels last on disk, planar in memory: each image transposed where it lies, so that a set
  // of gigabytes is held once, not twice, while it loads.
  const auto plane = static_cast<std::size_t>(images.rows * images.cols), c = static_cast<std::size_t>(images.channels);
  if (c > 1) {
    std::vector<uint8_t> image(plane * c);
    for (std::size_t i = 0; i < static_cast<std::size_t>(images.count); ++i) {
      uint8_t* at = bytes.data() + start + i * plane * c;
      std::copy_n(at, plane * c, image.data());
      for (std::size_t p = 0; p < plane; ++p) {
        for (std::size_t k = 0; k < c; ++k) at[k * plane + p] = image[p * c + k];
      }
    }
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(start));
  images.pixels = std::move(bytes);
  return images;
}

std::vector<uint8_t> read_idx_labels(const std::filesystem::path& path, const std::string& hint) {
  std::vector<uint8_t> bytes = read_maybe_gzip(path, hint);
  parse_header(path, bytes, 1, "label files", hint);
  return {bytes.begin() + 8, bytes.end()};
}

std::vector<uint8_t> idx_header(const std::vector<uint32_t>& dims) {
  std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
  }
  return bytes;
}

std::vector<uint8_t> encode_idx(const std::vector<uint32_t>& dims, std::span<const uint8_t> data) {
  uint64_t elements = 1;
  for (uint32_t d : dims) elements *= d;
  if (elements != data.size()) {
    throw Error("IDX: " + std::to_string(data.size()) + " bytes for dimensions that hold " + std::to_string(elements));
  }
  std::vector<uint8_t> bytes = idx_header(dims);
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

namespace {

void write_idx(const std::filesystem::path& path, const std::vector<uint32_t>& dims, std::span<const uint8_t> data) {
  const std::vector<uint8_t> bytes = encode_idx(dims, data);
  write_file_atomically(path, std::as_bytes(std::span<const uint8_t>(bytes)));
}

}  // namespace

void write_idx_images(const std::filesystem::path& path, const Images& images) {
  const auto n = static_cast<uint32_t>(images.count), h = static_cast<uint32_t>(images.rows), w = static_cast<uint32_t>(images.cols);
  if (images.channels == 1) return write_idx(path, {n, h, w}, images.pixels);
  const auto plane = static_cast<std::size_t>(h) * w, c = static_cast<std::size_t>(images.channels);
  std::vector<uint8_t> interleaved(images.pixels.size());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t p = 0; p < plane; ++p) {
      for (std::size_t k = 0; k < c; ++k) interleaved[(i * plane + p) * c + k] = images.pixels[(i * c + k) * plane + p];
    }
  }
  write_idx(path, {n, h, w, static_cast<uint32_t>(c)}, interleaved);
}

void write_idx_labels(const std::filesystem::path& path, std::span<const uint8_t> labels) {
  write_idx(path, {static_cast<uint32_t>(labels.size())}, labels);
}

Dataset load_dataset(const std::filesystem::path& images_path, const std::filesystem::path& labels_path, const std::string& hint) {
  Dataset d;
  d.images = read_idx_images(images_path, hint);
  if (!labels_path.empty()) d.labels = read_idx_labels(labels_path, hint);
  if (d.images.count == 0) fail(images_path, "holds no images", hint);
  if (!labels_path.empty() && static_cast<int64_t>(d.labels.size()) != d.images.count) {
    throw Error(images_path.string() + " holds " + std::to_string(d.images.count) + " images but " + labels_path.string() + " holds " +
                    std::to_string(d.labels.size()) + " labels; use files of the same split",
                2);
  }
  for (uint8_t label : d.labels) d.classes = std::max<int64_t>(d.classes, int64_t{label} + 1);
  return d;
}

}  // namespace vkvae::data
