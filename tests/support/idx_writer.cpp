#include "support/idx_writer.hpp"

#include <zlib.h>

#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>

#include "data/idx.hpp"

namespace vkvae::test {

void write_idx(const std::filesystem::path& path, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data, bool gzip) {
  // The header alone is the engine's: tests write malformed files too (data of the wrong size).
  std::vector<uint8_t> bytes = data::idx_header(dims);
  bytes.insert(bytes.end(), data.begin(), data.end());
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f || gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) != static_cast<int>(bytes.size()) || gzclose(f) != Z_OK) {
      throw std::runtime_error("cannot write " + path.string());
    }
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

SyntheticSplit synthetic_digits(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(-1.5, 1.5);
  SyntheticSplit s;
  s.images.assign(static_cast<std::size_t>(count) * 784, 0);
  for (int64_t i = 0; i < count; ++i) {
    const auto label = static_cast<uint8_t>(rng() % 10);
    s.labels.push_back(label);
    const double cx = 8.0 + 1.2 * label + jitter(rng), slant = 0.08 * (label % 5) - 0.16;
    for (int y = 4; y < 24; ++y) {
      for (int x = 0; x < 28; ++x) {
        const double d = std::fabs(x - (cx + slant * (y - 14)));
        const double v = std::max(0.0, 1.0 - d / 2.0);
        s.images[static_cast<std::size_t>(i * 784 + y * 28 + x)] = static_cast<uint8_t>(std::lround(255.0 * v));
      }
    }
  }
  return s;
}

void write_mnist_dir(const std::filesystem::path& dir, int64_t train, int64_t test, bool gzip) {
  std::filesystem::create_directories(dir);
  const std::string gz = gzip ? ".gz" : "";
  const SyntheticSplit a = synthetic_digits(train, 1), b = synthetic_digits(test, 2);
  write_idx(dir / ("train-images-idx3-ubyte" + gz), {static_cast<uint32_t>(train), 28, 28}, a.images, gzip);
  write_idx(dir / ("train-labels-idx1-ubyte" + gz), {static_cast<uint32_t>(train)}, a.labels, gzip);
  write_idx(dir / ("t10k-images-idx3-ubyte" + gz), {static_cast<uint32_t>(test), 28, 28}, b.images, gzip);
  write_idx(dir / ("t10k-labels-idx1-ubyte" + gz), {static_cast<uint32_t>(test)}, b.labels, gzip);
}

}  // namespace vkvae::test
