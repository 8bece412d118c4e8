// safetensors: what we write reads back (tensors, order, metadata) and follows the format's
// rules; damaged files are refused with a message naming them.
#include <gtest/gtest.h>

#include <cstring>

#include "io/safetensors.hpp"
#include "util/error.hpp"

namespace vkvae::io {
namespace {

NamedTensor f32(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
  NamedTensor t{name, "F32", std::move(shape), std::vector<std::byte>(values.size() * 4)};
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

SafeTensors sample() {
  SafeTensors file;
  file.tensors.push_back(f32("fc1.weight", {2, 3}, {1, 2, 3, 4, 5, 6}));
  file.tensors.push_back(f32("fc1.bias", {2}, {-1, 0.5f}));
  file.tensors.push_back({"counts", "U8", {3}, {std::byte{1}, std::byte{2}, std::byte{3}}});
  file.metadata["format"] = "test";
  return file;
}

TEST(SafeTensors, RoundTripsTensorsAndMetadata) {
  const std::vector<std::byte> bytes = encode_safetensors(sample());
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ((8 + header) % 8, 0u);  // the data section starts aligned
  const SafeTensors back = decode_safetensors(bytes, "x.safetensors");
  ASSERT_EQ(back.tensors.size(), 3u);
  EXPECT_EQ(back.tensors[0].name, "fc1.weight");  // file order
  EXPECT_EQ(back.f32("fc1.bias", {2}, "x"), (std::vector<float>{-1, 0.5f}));
  EXPECT_EQ(back.find("counts")->dtype, "U8");
  EXPECT_EQ(back.metadata.at("format"), "test");
}

TEST(SafeTensors, ExplainsAMissingOrDifferentTensor) {
  const SafeTensors file = sample();
  try {
    file.f32("fc1.weight", {3, 2}, "ckpt.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "ckpt.safetensors: tensor 'fc1.weight' is F32 (2, 3), expected F32 (3, 2); the checkpoint is of another model or size");
  }
  EXPECT_THROW(file.f32("fc2.weight", {1}, "ckpt.safetensors"), Error);
}

TEST(SafeTensors, RefusesDamagedFiles) {
  const std::vector<std::byte> good = encode_safetensors(sample());
  const auto refused = [](std::vector<std::byte> bytes, const std::string& why) {
    try {
      decode_safetensors(bytes, "bad.safetensors");
      ADD_FAILURE() << "accepted: " << why;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("bad.safetensors: not a valid safetensors file", 0), 0u) << e.what();
    }
  };
  refused({good.begin(), good.begin() + 5}, "shorter than the length");
  refused({good.begin(), good.end() - 1}, "data cut short");
  std::vector<std::byte> longer = good;
  longer.push_back(std::byte{0});
  refused(longer, "a stray byte");
  std::vector<std::byte> huge = good;
  huge.at(7) = std::byte{0x7f};
  refused(huge, "header length past the end");
  std::vector<std::byte> not_json = good;
  not_json.at(8) = std::byte{'!'};
  refused(not_json, "not JSON");
  // Offsets that overlap: both tensors claim the first bytes.
  const std::string text = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::vector<std::byte> overlap(8 + text.size() + 4);
  const uint64_t length = text.size();
  std::memcpy(overlap.data(), &length, 8);
  std::memcpy(overlap.data() + 8, text.data(), text.size());
  refused(overlap, "overlapping tensors");
}

}  // namespace
}  // namespace vkvae::io
