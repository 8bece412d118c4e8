// The applications of a trained model: encode and decode (round trip to the mean
// reconstructions, through a latents file), batches of any size, inpainting's chain step by
// step, generation from the prior in pieces; and, without a device, the noise, masks and errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "io/png.hpp"
#include "io/safetensors.hpp"
#include "support/model_test.hpp"
#include "train/applications.hpp"
#include "train/corruption.hpp"
#include "train/latents_file.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::train {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& what) {
  const fs::path dir = fs::temp_directory_path() /
                       ("vkvae_applications_" + what + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                        std::to_string(::getpid()));  // a test may run under two settings at once
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

double max_difference(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return worst;
}

// ---- Corruption: no device needed.

TEST(Corruption, NoiseSpecsParseAndBadOnesAreRefusedNamingTheFlag) {
  EXPECT_EQ(parse_noise("none").kind, Noise::Kind::none);
  const Noise g = parse_noise("gaussian:0.3");
  EXPECT_EQ(g.kind, Noise::Kind::gaussian);
  EXPECT_DOUBLE_EQ(g.amount, 0.3);
  EXPECT_EQ(parse_noise("salt-pepper:1").kind, Noise::Kind::salt_pepper);
  for (const char* bad : {"gaussian", "gaussian:", "gaussian:0", "gaussian:-1", "gaussian:inf", "gaussian:0.3x", "salt-pepper:1.5",
                          "salt-pepper:0", "poisson:1", ""}) {
    try {
      parse_noise(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--noise " + std::string(bad) + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(Corruption, GaussianNoiseIsClippedAndTheSameForTheSameSeed) {
  std::vector<float> images(784 * 3, 0.5f);
  images[0] = 0.0f;
  images[1] = 1.0f;
  std::vector<float> a = images, b = images, c = images;
  add_noise(a, parse_noise("gaussian:0.5"), 7);
  add_noise(b, parse_noise("gaussian:0.5"), 7);
  add_noise(c, parse_noise("gaussian:0.5"), 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](float x) { return x >= 0.0f && x <= 1.0f; }));
  // σ = 0.5 on 0.5: a third of the draws pass 0 or 1 (|n| > 1) and are clipped there.
  const auto clipped = std::count_if(a.begin(), a.end(), [](float x) { return x == 0.0f || x == 1.0f; });
  EXPECT_NEAR(static_cast<double>(clipped) / static_cast<double>(a.size()), 0.317, 0.04);
  // The same image gets the same noise however many follow it.
  std::vector<float> first(images.begin(), images.begin() + 784);
  add_noise(first, parse_noise("gaussian:0.5"), 7);
  EXPECT_TRUE(std::equal(first.begin(), first.end(), a.begin()));
}

TEST(Corruption, SaltAndPepperSetsTheFractionItSaysToZeroOrOne) {
  std::vector<float> images(784 * 20, 0.5f);
  add_noise(images, parse_noise("salt-pepper:0.2"), 1);
  const auto zeros = std::count(images.begin(), images.end(), 0.0f), ones = std::count(images.begin(), images.end(), 1.0f);
  EXPECT_EQ(zeros + ones + std::count(images.begin(), images.end(), 0.5f), static_cast<long>(images.size()));
  EXPECT_NEAR(static_cast<double>(zeros + ones) / static_cast<double>(images.size()), 0.2, 0.01);
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(zeros + ones), 0.5, 0.03);
}

TEST(Corruption, MasksHideWhatTheySay) {
  const std::vector<uint8_t> center = make_masks(parse_mask("center:14x10"), 2, 28, 28, 0);
  ASSERT_EQ(center.size(), 2u * 784);
  EXPECT_EQ(std::count(center.begin(), center.end(), 1), 2 * 140);
  EXPECT_EQ(center[7 * 28 + 9], 1);  // rows 7–20, columns 9–18
  EXPECT_EQ(center[20 * 28 + 18], 1);
  EXPECT_EQ(center[6 * 28 + 9], 0);
  EXPECT_EQ(center[7 * 28 + 19], 0);
  const std::vector<uint8_t> left = make_masks(parse_mask("left-half"), 1, 28, 28, 0);
  EXPECT_EQ(std::count(left.begin(), left.end(), 1), 28 * 14);
  EXPECT_EQ(left[5 * 28 + 13], 1);
  EXPECT_EQ(left[5 * 28 + 14], 0);
  const std::vector<uint8_t> random = make_masks(parse_mask("random:0.3"), 50, 28, 28, 4);
  EXPECT_NEAR(static_cast<double>(std::count(random.begin(), random.end(), 1)) / static_cast<double>(random.size()), 0.3, 0.01);
  EXPECT_FALSE(std::equal(random.begin(), random.begin() + 784, random.begin() + 784));  // each image its own
  EXPECT_EQ(random, make_masks(parse_mask("random:0.3"), 50, 28, 28, 4));
}

TEST(Corruption, AMaskFileIsWhiteWhereHiddenAndMustFitTheImages) {
  const fs::path dir = scratch("mask");
  std::vector<uint32_t> pixels(784, 0xFF000000u);
  for (int x = 0; x < 28; ++x) pixels[static_cast<std::size_t>(3 * 28 + x)] = 0xFFFFFFFFu;  // row 3
  io::write_png(dir / "row.png", 28, 28, pixels);
  const std::vector<uint8_t> mask = make_masks(parse_mask("file:" + (dir / "row.png").string()), 2, 28, 28, 0);
  EXPECT_EQ(std::count(mask.begin(), mask.end(), 1), 56);
  EXPECT_EQ(mask[784 + 3 * 28 + 27], 1);

  io::write_png(dir / "small.png", 14, 14, std::vector<uint32_t>(196, 0xFFFFFFFFu));
  EXPECT_THROW(
      {
        try {
          make_masks(parse_mask("file:" + (dir / "small.png").string()), 1, 28, 28, 0);
        } catch (const UsageError& e) {
          EXPECT_NE(std::string(e.what()).find("14×14 pixels; the images are 28×28"), std::string::npos) << e.what();
          throw;
        }
      },
      UsageError);
  io::write_png(dir / "black.png", 28, 28, std::vector<uint32_t>(784, 0xFF000000u));
  EXPECT_THROW(make_masks(parse_mask("file:" + (dir / "black.png").string()), 1, 28, 28, 0), UsageError);
  EXPECT_THROW(make_masks(parse_mask("file:" + (dir / "none.png").string()), 1, 28, 28, 0), Error);
  std::ofstream(dir / "text.png") << "not a picture";
  try {
    make_masks(parse_mask("file:" + (dir / "text.png").string()), 1, 28, 28, 0);
    ADD_FAILURE() << "a text file was taken for a mask";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text.png: not a PNG file"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 2);
  }
  std::vector<std::byte> png = read_file(dir / "row.png");
  png.resize(png.size() / 2);  // cut short
  write_file_atomically(dir / "cut.png", png);
  EXPECT_THROW(make_masks(parse_mask("file:" + (dir / "cut.png").string()), 1, 28, 28, 0), Error);
  EXPECT_THROW(make_masks(parse_mask("center:30x2"), 1, 28, 28, 0), UsageError);
  for (const char* bad : {"center", "center:14", "center:0x3", "center:axb", "random:1", "random:0", "file:", "right-half"}) {
    EXPECT_THROW(parse_mask(bad), UsageError) << bad;
  }
  fs::remove_all(dir);
}

TEST(Corruption, ErrorsOverEveryPixelOrTheHiddenOnes) {
  const std::vector<float> a = {0.0f, 0.5f, 1.0f, 1.0f}, b = {0.0f, 0.0f, 0.0f, 1.0f};
  EXPECT_DOUBLE_EQ(mean_squared_error(a, b), (0.25 + 1.0) / 4.0);
  EXPECT_DOUBLE_EQ(mean_squared_error(a, b, std::vector<uint8_t>{0, 1, 1, 0}), (0.25 + 1.0) / 2.0);
  EXPECT_DOUBLE_EQ(psnr(0.01), 20.0);
  EXPECT_TRUE(std::isinf(psnr(0.0)));
}

// ---- The applications on a small trained model.

class Applications : public test::ModelTest {
 protected:
  Applications() : ModelTest(64, 24, "vkvae_applications") {}
};

TEST_F(Applications, DecodingEncodedMeansGivesTheMeanReconstructionsThroughALatentsFile) {
  TrainedModel model(context(), trained("mlp", 1));
  const data::Dataset data = test_set();
  const std::vector<float> images = to_unit_interval(data.images);
  const Latents latents = encode(model, images, {});
  ASSERT_EQ(latents.count(), 24);
  ASSERT_EQ(latents.latent, model.options().latent());
  // The same μ as the inference program, which gathers the u8 images on the device.
  std::vector<int64_t> all(24);
  std::iota(all.begin(), all.end(), 0);
  EXPECT_LT(max_difference(latents.mu, model.encode(data, all)), 1e-5);
  EXPECT_TRUE(std::any_of(latents.logvar.begin(), latents.logvar.end(), [](float v) { return v != 0.0f; }));

  const fs::path file = root_ / "latents.safetensors";
  write_latents(file, latents, data.labels, {{"format", "vkvae-latents"}});
  const io::SafeTensors stored = io::read_safetensors(file);
  ASSERT_EQ(stored.tensors.size(), 3u);
  EXPECT_EQ(stored.tensors[0].name, "mu");
  EXPECT_EQ(stored.tensors[0].shape, (std::vector<int64_t>{24, latents.latent}));
  EXPECT_EQ(stored.tensors[1].name, "logvar");
  EXPECT_EQ(stored.tensors[2].name, "labels");
  EXPECT_EQ(stored.tensors[2].dtype, "U8");
  EXPECT_EQ(stored.metadata.at("format"), "vkvae-latents");

  const LatentCodes codes = read_latents(file, "mu", latents.latent, "--latents");
  EXPECT_EQ(codes.labels, data.labels);
  const std::vector<float> decoded = decode(model, codes.z, {});
  const std::vector<float> reconstructed = reconstruct(model, images, {});
  ASSERT_EQ(decoded.size(), images.size());
  EXPECT_LT(max_difference(decoded, reconstructed), 1e-6);
  EXPECT_TRUE(std::all_of(decoded.begin(), decoded.end(), [](float v) { return v > 0.0f && v < 1.0f; }));

  EXPECT_THROW(read_latents(file, "logits", latents.latent, "--latents"), UsageError);
  EXPECT_THROW(read_latents(file, "mu", latents.latent + 1, "--latents"), UsageError);
  EXPECT_THROW(read_latents(file, "labels", latents.latent, "--latents"), UsageError);
  Latents damaged = latents;
  damaged.mu[5] = std::nanf("");
  write_latents(root_ / "nan.safetensors", damaged, {}, {});
  try {
    read_latents(root_ / "nan.safetensors", "mu", latents.latent, "--latents nan.safetensors");
    ADD_FAILURE() << "a NaN latent was taken";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--latents nan.safetensors: tensor 'mu' element 5 is not finite");
  }
  std::vector<uint8_t> short_labels(data.labels.begin(), data.labels.begin() + 3);
  write_latents(root_ / "short.safetensors", latents, short_labels, {});
  EXPECT_THROW(read_latents(root_ / "short.safetensors", "mu", latents.latent, "--latents"), UsageError);
}

TEST_F(Applications, AShortBatchGivesWhatABatchOfItsOwnSizeGives) {
  TrainedModel model(context(), trained("mlp", 1));
  const std::vector<float> images = to_unit_interval(test_set().images);
  const auto eight = model.make_pass(8, Pass::reconstruct);
  const auto five = model.make_pass(5, Pass::reconstruct);
  const std::span<const float> rows(images.data(), 5 * 784);
  eight->run(std::span<const float>(images.data() + 5 * 784, 8 * 784), {}, BatchPass::kMean);  // the rows after stay filled
  const BatchPass::Output a = eight->run(rows, {}, BatchPass::kMean | BatchPass::kLatents);
  const BatchPass::Output b = five->run(rows, {}, BatchPass::kMean | BatchPass::kLatents);
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.mu, b.mu);
  EXPECT_EQ(a.logvar, b.logvar);
  EXPECT_THROW(eight->run(images, {}, BatchPass::kMean), Error);  // 24 rows for a batch of 8
}

TEST_F(Applications, TheScoreIsTheNegativeElboAtTheMean) {
  TrainedModel model(context(), trained("mlp", 1));
  const std::vector<float> images = to_unit_interval(test_set().images);
  const auto pass = model.make_pass(24, Pass::reconstruct);
  const BatchPass::Output out = pass->run(images, {}, BatchPass::kMean | BatchPass::kLatents | BatchPass::kScore);
  ASSERT_EQ(out.recon.size(), 24u);
  const auto latent = static_cast<std::size_t>(model.options().latent());
  for (std::size_t i = 0; i < 24; ++i) {
    // BCE of the mean reconstruction's logits, and KL(q ‖ N(0, I)), in double precision.
    double recon = 0.0, kl = 0.0;
    for (std::size_t p = 0; p < 784; ++p) {
      const double m = out.mean[i * 784 + p], x = images[i * 784 + p];
      recon -= x * std::log(m) + (1.0 - x) * std::log1p(-m);
    }
    for (std::size_t j = 0; j < latent; ++j) {
      const double mu = out.mu[i * latent + j], lv = out.logvar[i * latent + j];
      kl += -0.5 * (1.0 + lv - mu * mu - std::exp(lv));
    }
    EXPECT_NEAR(out.recon[i], recon, 1e-3 * recon) << i;
    EXPECT_NEAR(out.kl[i], kl, 1e-4 + 1e-4 * kl) << i;
  }
}

TEST_F(Applications, InpaintingKeepsTheKnownPixelsAndFillsTheHiddenOnesStepByStep) {
  TrainedModel model(context(), trained("mlp", 1));
  const std::vector<float> images = to_unit_interval(test_set().images);
  const std::vector<uint8_t> masks = make_masks(parse_mask("center:10x10"), 24, 28, 28, 0);
  const std::vector<float> fill(784, 0.25f);
  const Inpainting none = inpaint(model, images, {}, masks, fill, {0, false, 0});
  ASSERT_EQ(none.mse_by_iteration.size(), 1u);
  std::vector<float> start = images;
  for (std::size_t i = 0; i < start.size(); ++i) {
    if (masks[i]) start[i] = 0.25f;
  }
  EXPECT_EQ(none.images, start);
  EXPECT_DOUBLE_EQ(none.mse_by_iteration[0], mean_squared_error(start, images, masks));

  // Two rounds with z = μ: each is reconstruct, then the known pixels put back.
  const Inpainting two = inpaint(model, images, {}, masks, fill, {2, false, 0});
  std::vector<float> expected = start;
  for (int round = 0; round < 2; ++round) {
    const std::vector<float> r = reconstruct(model, expected, {});
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (masks[i]) expected[i] = r[i];
    }
    EXPECT_NEAR(two.mse_by_iteration[static_cast<std::size_t>(round) + 1], mean_squared_error(expected, images, masks), 1e-9);
  }
  EXPECT_LT(max_difference(two.images, expected), 1e-6);
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (!masks[i]) {
      ASSERT_EQ(two.images[i], images[i]) << i;
    }
  }

  // z drawn from q(z|x): the same seed, the same fill; another seed, another.
  const Inpainting a = inpaint(model, images, {}, masks, fill, {2, true, 5});
  EXPECT_EQ(a.images, inpaint(model, images, {}, masks, fill, {2, true, 5}).images);
  EXPECT_NE(a.images, inpaint(model, images, {}, masks, fill, {2, true, 6}).images);
  EXPECT_NE(a.images, two.images);
}

TEST_F(Applications, ConditionalModelsTakeAClassPerImageAndGenerateInPieces) {
  TrainedModel model(context(), trained("cmlp", 1));
  const data::Dataset data = test_set();
  const std::vector<float> images = to_unit_interval(data.images);
  EXPECT_THROW(encode(model, images, {}), UsageError);
  EXPECT_THROW(reconstruct(model, images, std::vector<uint8_t>(3, 0)), UsageError);
  const Latents latents = encode(model, images, data.labels);
  EXPECT_LT(max_difference(decode(model, latents.mu, data.labels), reconstruct(model, images, data.labels)), 1e-6);
  // Another class, another image from the same z.
  EXPECT_GT(max_difference(decode(model, latents.mu, std::vector<uint8_t>(24, 1)), decode(model, latents.mu, std::vector<uint8_t>(24, 7))),
            1e-3);

  const int64_t latent = model.options().latent();
  const std::vector<float> all = prior_draws(12, latent, 3), tail = prior_draws(7, latent, 3, 5);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), all.begin() + 5 * latent));
  std::vector<uint8_t> labels(12);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<uint8_t>(i % 10);
  const std::vector<float> whole = generate(model, 12, labels, 3);
  const std::vector<float> piece = generate(model, 7, std::span<const uint8_t>(labels).subspan(5), 3, 5);
  EXPECT_LT(max_difference(piece, std::span<const float>(whole).subspan(5 * 784)), 1e-6);
  const data::Images bytes = to_bytes(whole, models::kMnistShape);
  EXPECT_EQ(bytes.count, 12);
  EXPECT_EQ(bytes.pixels[100], static_cast<uint8_t>(std::lround(whole[100] * 255.0f)));
}

}  // namespace
}  // namespace vkvae::train
