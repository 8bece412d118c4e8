// IDX reading: plain and gzipped files of any image size, grey or colour, load; every malformed
// case is a one-line error naming the file and what is wrong.
#include <gtest/gtest.h>

#include <fstream>

#include "data/idx.hpp"
#include "support/idx_writer.hpp"
#include "util/error.hpp"

namespace vkvae::data {
namespace {

namespace fs = std::filesystem;

class Idx : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vkvae_idx_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }
  void write_bytes(const fs::path& p, const std::vector<uint8_t>& bytes) const {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  // The message of the Error `f` throws, which must name `file`.
  template <typename F>
  std::string error_of(F&& f, const fs::path& file) {
    try {
      f();
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(file.string()), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << "no error";
    return "";
  }
  fs::path dir_;
};

TEST_F(Idx, ReadsPlainAndGzippedFilesAlike) {
  const test::SyntheticSplit s = test::synthetic_digits(5, 3);
  test::write_idx(path("i"), {5, 28, 28}, s.images, false);
  test::write_idx(path("i.gz"), {5, 28, 28}, s.images, true);
  test::write_idx(path("l.gz"), {5}, s.labels, true);
  const Images plain = read_idx_images(path("i")), packed = read_idx_images(path("i.gz"));
  EXPECT_EQ(plain.count, 5);
  EXPECT_EQ(plain.rows, 28);
  EXPECT_EQ(plain.pixels, s.images);
  EXPECT_EQ(packed.pixels, s.images);
  const Dataset d = load_dataset(path("i.gz"), path("l.gz"));
  EXPECT_EQ(d.size(), 5);
  EXPECT_EQ(d.labels, s.labels);
}

TEST_F(Idx, RefusesMalformedFiles) {
  const test::SyntheticSplit s = test::synthetic_digits(4, 3);
  test::write_idx(path("ok"), {4, 28, 28}, s.images, false);
  test::write_idx(path("labels"), {4}, s.labels, false);

  write_bytes(path("magic"), {0x1f, 0x00, 0x08, 0x03, 0, 0, 0, 0});
  EXPECT_NE(error_of([&] { read_idx_images(path("magic")); }, path("magic")).find("bad magic"), std::string::npos);
  write_bytes(path("float"), {0, 0, 0x0d, 0x01, 0, 0, 0, 0});
  EXPECT_NE(error_of([&] { read_idx_labels(path("float")); }, path("float")).find("bad magic"), std::string::npos);
  EXPECT_NE(error_of([&] { read_idx_images(path("labels")); }, path("labels")).find("has 1 dimensions"), std::string::npos);
  write_bytes(path("short"), {0, 0, 8});
  EXPECT_NE(error_of([&] { read_idx_images(path("short")); }, path("short")).find("too short"), std::string::npos);

  std::vector<uint8_t> truncated(s.images.begin(), s.images.end() - 1);
  test::write_idx(path("truncated"), {4, 28, 28}, truncated, false);
  EXPECT_NE(error_of([&] { read_idx_images(path("truncated")); }, path("truncated")).find("truncated"), std::string::npos);
  std::vector<uint8_t> longer = s.images;
  longer.push_back(7);
  test::write_idx(path("long"), {4, 28, 28}, longer, false);
  EXPECT_NE(error_of([&] { read_idx_images(path("long")); }, path("long")).find("1 bytes after the data"), std::string::npos);
  // Dimensions whose product passes 2⁶⁴: said so, not wrapped round to a small count.
  write_bytes(path("huge"), {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  EXPECT_NE(error_of([&] { read_idx_images(path("huge")); }, path("huge")).find("promises more than 2⁶⁴ bytes"), std::string::npos);
  write_bytes(path("big"), {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28});
  EXPECT_NE(error_of([&] { read_idx_images(path("big")); }, path("big")).find("promises 3367254359296 bytes"), std::string::npos);
  // A directory where a file should be; the hint is the caller's.
  fs::create_directories(path("folder"));
  const std::string folder = error_of([&] { read_idx_images(path("folder"), "check --images"); }, path("folder"));
  EXPECT_NE(folder.find("is a directory, not an IDX file; check --images"), std::string::npos) << folder;

  // gzip: damaged in the middle, and cut short.
  test::write_idx(path("ok.gz"), {4, 28, 28}, s.images, true);
  std::ifstream in(path("ok.gz"), std::ios::binary);
  std::vector<uint8_t> gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint8_t> damaged = gz;
  for (std::size_t i = 12; i < 40 && i < damaged.size(); ++i) damaged[i] ^= 0x5a;
  write_bytes(path("damaged.gz"), damaged);
  EXPECT_NE(error_of([&] { read_idx_images(path("damaged.gz")); }, path("damaged.gz")).find("gzip"), std::string::npos);
  write_bytes(path("cut.gz"), std::vector<uint8_t>(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)));
  EXPECT_NE(error_of([&] { read_idx_images(path("cut.gz")); }, path("cut.gz")).find("truncated gzip"), std::string::npos);

  EXPECT_NE(error_of([&] { read_idx_images(path("absent")); }, path("absent")).find("cannot open"), std::string::npos);
}

TEST_F(Idx, RefusesDatasetsThatDoNotFit) {
  const test::SyntheticSplit s = test::synthetic_digits(4, 3);
  test::write_idx(path("images"), {4, 28, 28}, s.images, false);
  test::write_idx(path("three"), {3}, {1, 2, 3}, false);
  EXPECT_NE(error_of([&] { load_dataset(path("images"), path("three")); }, path("three")).find("4 images but"), std::string::npos);
  test::write_idx(path("empty"), {0, 28, 28}, {}, false);
  test::write_idx(path("none"), {0}, {}, false);
  EXPECT_NE(error_of([&] { load_dataset(path("empty"), path("none")); }, path("empty")).find("no images"), std::string::npos);
  test::write_idx(path("bad_labels"), {4}, {1, 2, 10, 3}, false);
  EXPECT_NE(error_of([&] { read_idx_images(path("bad_labels")); }, path("bad_labels")).find("has 1 dimensions; image files have 3"),
            std::string::npos);
  // Four channels is not an image vkvae takes.
  test::write_idx(path("rgba"), {1, 2, 2, 4}, std::vector<uint8_t>(16), false);
  EXPECT_NE(error_of([&] { read_idx_images(path("rgba")); }, path("rgba")).find("holds images of 4 channels; vkvae takes 1 (grey) or 3 (RGB)"),
            std::string::npos);
}

TEST_F(Idx, AnySizeAnyLabelsColourChannelsLastOnDiskPlanarInMemory) {
  test::write_idx(path("small"), {2, 3, 5}, std::vector<uint8_t>(30, 7), false);
  test::write_idx(path("labels"), {2}, {0, 41}, false);
  const Dataset d = load_dataset(path("small"), path("labels"));
  EXPECT_EQ(d.images.rows, 3);
  EXPECT_EQ(d.images.cols, 5);
  EXPECT_EQ(d.classes, 42);  // the largest label + 1
  EXPECT_FALSE(load_dataset(path("small"), "").labeled());
  // (N, H, W, C) on disk: pixel p of channel c at p·C + c; in memory at c·H·W + p.
  std::vector<uint8_t> hwc(2 * 2 * 3 * 3);
  for (std::size_t i = 0; i < hwc.size(); ++i) hwc[i] = static_cast<uint8_t>(i);
  test::write_idx(path("colour"), {2, 2, 3, 3}, hwc, true);
  const Images colour = read_idx_images(path("colour"));
  EXPECT_EQ(colour.channels, 3);
  EXPECT_EQ(colour.image_size(), 18);
  EXPECT_EQ(colour.pixels[0], 0);
  EXPECT_EQ(colour.pixels[1], 3);            // channel 0 of pixel 1
  EXPECT_EQ(colour.pixels[6], 1);            // channel 1 of pixel 0
  EXPECT_EQ(colour.pixels[18 + 12 + 5], 18 + 5 * 3 + 2);  // image 1, channel 2, pixel 5
  write_idx_images(path("again"), colour);
  EXPECT_EQ(read_idx_images(path("again")).pixels, colour.pixels);
}

}  // namespace
}  // namespace vkvae::data
