// Image files of data sets: PNG and JPEG (stb_image), decoded to grey or RGB.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vkvae::io {

struct DecodedImage {
  int64_t width = 0, height = 0, channels = 0;  // channels: 1 (grey) or 3 (RGB); alpha is dropped
  std::vector<uint8_t> pixels;                  // height × width × channels, interleaved
};

// The file as it holds it: grey (with or without alpha) as 1 channel, colour as 3. Throws
// vkvae::Error (exit code 2) naming the file when it is unreadable, truncated or not an image.
DecodedImage read_image_file(const std::filesystem::path& path);

// Whether the name ends in .png, .jpg or .jpeg (any case): the files a data folder holds.
bool is_image_file_name(const std::filesystem::path& path);

}  // namespace vkvae::io
