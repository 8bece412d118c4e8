// Data directories: image folders (classes by folder name, unlabeled splits, PNG and JPEG), colour
// IDX files, --channels and --image-size, and the one-line refusals of data that does not fit:
// mixed sizes, unreadable images, empty class folders, a test class the train split lacks.
#include <gtest/gtest.h>

#include <stb_image_write.h>

#include <fstream>

#include "data/data_dir.hpp"
#include "support/idx_writer.hpp"
#include "util/error.hpp"

namespace vkvae::data {
namespace {

namespace fs = std::filesystem;

class DataDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vkvae_data_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // An image file of h × w × channels whose every value is `value` (+ the channel index).
  fs::path image(const fs::path& relative, int h, int w, int channels, uint8_t value) {
    const fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::vector<uint8_t> pixels(static_cast<std::size_t>(h * w * channels));
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(value + i % static_cast<std::size_t>(channels));
    const bool ok = p.extension() == ".png" ? stbi_write_png(p.c_str(), w, h, channels, pixels.data(), w * channels)
                                            : stbi_write_jpg(p.c_str(), w, h, channels, pixels.data(), 100);
    EXPECT_TRUE(ok) << p;
    return p;
  }
  std::string refusal(const ImageFormat& format = {}) {
    try {
      load_data_dir(dir_, format);
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.exit_code(), 2) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      return message;
    }
    return "accepted";
  }
  fs::path dir_;
};

TEST_F(DataDir, ImageFoldersGiveClassesByFolderNameInNameOrder) {
  image("train/zebra/1.png", 4, 6, 3, 200);
  image("train/ant/b.png", 4, 6, 3, 10);
  image("train/ant/a.jpg", 4, 6, 3, 100);
  image("test/zebra/x.png", 4, 6, 3, 50);
  std::ofstream(dir_ / "train" / "ant" / "notes.txt") << "not an image";  // ignored, as ImageFolder does
  const Splits s = load_data_dir(dir_);
  EXPECT_EQ(s.layout, "image folders");
  EXPECT_EQ(s.train.class_names, (std::vector<std::string>{"ant", "zebra"}));
  EXPECT_EQ(s.train.labels, (std::vector<uint8_t>{0, 0, 1}));  // ant/a.jpg, ant/b.png, zebra/1.png
  EXPECT_EQ(s.test.labels, (std::vector<uint8_t>{1}));        // the train split's class numbers
  EXPECT_EQ(s.train.images.channels, 3);
  EXPECT_EQ(s.train.images.rows, 4);
  EXPECT_EQ(s.train.images.cols, 6);
  // Planar: image 1 (ant/b.png) is 10 in its red plane, 11 in green, 12 in blue.
  const std::size_t plane = 24, at = 3 * plane;
  EXPECT_EQ(s.train.images.pixels[at], 10);
  EXPECT_EQ(s.train.images.pixels[at + plane], 11);
  EXPECT_EQ(s.train.images.pixels[at + 2 * plane + 23], 12);
  EXPECT_EQ(load_split(dir_, "test").labels, s.test.labels);
}

TEST_F(DataDir, SplitsWithoutClassFoldersAreUnlabeled) {
  image("train/a.png", 5, 5, 1, 30);
  image("train/b.png", 5, 5, 1, 40);
  image("test/c.png", 5, 5, 1, 50);
  const Splits s = load_data_dir(dir_);
  EXPECT_FALSE(s.train.labeled());
  EXPECT_EQ(s.train.size(), 2);
  EXPECT_EQ(s.train.images.channels, 1);
  EXPECT_EQ(s.test.images.pixels[0], 50);
}

TEST_F(DataDir, ChannelsAndImageSizeBringEveryImageToOneShape) {
  image("train/a.png", 8, 8, 1, 90);
  image("train/b.png", 16, 12, 3, 60);
  image("test/c.png", 8, 8, 1, 90);
  EXPECT_EQ(refusal(), (dir_ / "train/b.png").string() + ": 16×12 RGB, but " + (dir_ / "train/a.png").string() +
                           " is 8×8 grey; give --image-size H[xW] to resize them all");
  const Splits s = load_data_dir(dir_, {3, 4, 4});
  EXPECT_EQ(s.train.images.channels, 3);
  EXPECT_EQ(s.train.images.rows, 4);
  EXPECT_EQ(s.train.images.pixels[0], 90);       // grey repeated in every channel, a flat image stays flat
  EXPECT_EQ(s.train.images.pixels[2 * 16], 90);
  EXPECT_EQ(s.train.images.pixels[48 + 16], 61);  // b's green plane
  const Splits grey = load_data_dir(dir_, {1, 8, 8});
  EXPECT_EQ(grey.train.images.pixels[64], 61);    // luma of (60, 61, 62)
}

TEST_F(DataDir, RefusesFoldersThatDoNotMakeADataSet) {
  image("train/one/a.png", 4, 4, 1, 1);
  image("test/one/a.png", 4, 4, 1, 1);
  fs::create_directories(dir_ / "train" / "two");
  EXPECT_EQ(refusal(), (dir_ / "train/two").string() + ": no PNG or JPEG images in it; add some or remove the folder");
  fs::remove(dir_ / "train" / "two");
  image("test/three/a.png", 4, 4, 1, 1);
  EXPECT_EQ(refusal(), (dir_ / "test/three").string() +
                           ": a class the train split does not have; every test class needs a train folder of the same name");
  fs::remove_all(dir_ / "test" / "three");
  std::ofstream(dir_ / "train" / "one" / "broken.png", std::ios::binary) << "\x89PNG\r\n\x1a\n cut short";
  EXPECT_EQ(refusal().rfind((dir_ / "train/one/broken.png").string() + ": not a PNG or JPEG image", 0), 0u) << refusal();
  fs::remove(dir_ / "train" / "one" / "broken.png");
  fs::remove_all(dir_ / "test");
  EXPECT_EQ(refusal(), "--data " + dir_.string() + ": a train/ folder but no test/ one; add the test split's images there");
  image("test/a.png", 4, 4, 1, 1);
  EXPECT_EQ(refusal(), "--data " + dir_.string() + ": the train split has labels and the test split has none; label both or neither");
}

TEST_F(DataDir, IdxDirectoriesHoldColourAndRefuseTestClassesTrainLacks) {
  const std::vector<uint8_t> colour(2 * 3 * 3 * 3, 9);
  test::write_idx(dir_ / "train-images-idx4-ubyte", {2, 3, 3, 3}, colour, false);
  test::write_idx(dir_ / "train-labels-idx1-ubyte", {2}, {0, 1}, false);
  test::write_idx(dir_ / "t10k-images-idx4-ubyte.gz", {2, 3, 3, 3}, colour, true);
  test::write_idx(dir_ / "t10k-labels-idx1-ubyte", {2}, {1, 0}, false);
  const Splits s = load_data_dir(dir_);
  EXPECT_EQ(s.layout, "IDX files");
  EXPECT_EQ(s.train.images.channels, 3);
  EXPECT_EQ(s.train.classes, 2);
  test::write_idx(dir_ / "t10k-labels-idx1-ubyte", {2}, {1, 5}, false);
  EXPECT_EQ(refusal(), "--data " + dir_.string() + ": test image 1 has label 5, a class the train split lacks (it has 0–1)");
  fs::remove(dir_ / "t10k-labels-idx1-ubyte");
  EXPECT_EQ(refusal().rfind("--data " + dir_.string() + ": no t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz) in it", 0), 0u);
  fs::remove(dir_ / "train-labels-idx1-ubyte");
  EXPECT_FALSE(load_data_dir(dir_).test.labeled());  // unlabeled, both splits
  test::write_idx(dir_ / "t10k-images-idx4-ubyte.gz", {1, 3, 3, 1}, std::vector<uint8_t>(9), true);
  EXPECT_EQ(refusal(), "--data " + dir_.string() +
                           ": the test images are 3×3 grey, the train images 3×3 RGB; give --image-size H[xW] and --channels to bring both to one shape");
}

}  // namespace
}  // namespace vkvae::data
