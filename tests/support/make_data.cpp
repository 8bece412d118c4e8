// make_data DIR TRAIN TEST [gz|folders]: writes a synthetic data set for the command-line tests:
// MNIST-layout IDX files (plain or gzipped), or image folders (DIR/train/<digit>/N.png, …) of
// the same digits in colour, each tinted and set on a background of its own.
#include <stb_image_write.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "support/idx_writer.hpp"

namespace {

void write_folders(const std::filesystem::path& dir, const char* split, int64_t count, uint32_t seed) {
  const vkvae::test::SyntheticSplit s = vkvae::test::synthetic_digits(count, seed);
  for (int64_t i = 0; i < count; ++i) {
    const int label = s.labels[static_cast<std::size_t>(i)];
    const std::filesystem::path folder = dir / split / std::to_string(label);
    std::filesystem::create_directories(folder);
    // Ink and background from the image's index: every image its own pair of colours.
    const int ink[3] = {static_cast<int>(150 + 100 * (i % 2)), static_cast<int>(90 + 160 * ((i / 2) % 2)), static_cast<int>(255 - 40 * (i % 3))};
    const int back[3] = {static_cast<int>(10 * (i % 5)), static_cast<int>(40 - 10 * (i % 4)), static_cast<int>(60 * ((i / 3) % 2))};
    unsigned char rgb[28 * 28 * 3];
    for (int p = 0; p < 28 * 28; ++p) {
      const int v = s.images[static_cast<std::size_t>(i * 784 + p)];
      for (int c = 0; c < 3; ++c) rgb[3 * p + c] = static_cast<unsigned char>(back[c] + (ink[c] - back[c]) * v / 255);
    }
    const std::string file = (folder / (std::to_string(i) + ".png")).string();
    if (!stbi_write_png(file.c_str(), 28, 28, 3, rgb, 28 * 3)) {
      std::fprintf(stderr, "make_data: cannot write %s\n", file.c_str());
      std::exit(1);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: make_data DIR TRAIN TEST [gz|folders]\n");
    return 2;
  }
  const std::string mode = argc == 5 ? argv[4] : "";
  if (mode == "folders") {
    write_folders(argv[1], "train", std::stoll(argv[2]), 1);
    write_folders(argv[1], "test", std::stoll(argv[3]), 2);
    return 0;
  }
  vkvae::test::write_mnist_dir(argv[1], std::stoll(argv[2]), std::stoll(argv[3]), mode == "gz");
  return 0;
}
