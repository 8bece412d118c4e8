// PNG files: written from RGBA8 pixels, atomically; read as grey values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace vkvae::io {

// `pixels`: width × height RGBA8 values, row-major (R in the low byte, as image_grid writes).
void write_png(const std::filesystem::path& path, uint32_t width, uint32_t height, std::span<const uint32_t> pixels);

struct GreyImage {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> pixels;  // width × height, row-major; colour converted to luma
};
// Any PNG (grey, RGB, with or without alpha, 8 or 16 bits). Throws vkvae::Error (exit code 2)
// naming the file, as `label` (by default its path), when it is unreadable or not a PNG.
GreyImage read_png_grey(const std::filesystem::path& path, const std::string& label = {});

}  // namespace vkvae::io
