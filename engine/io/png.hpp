// PNG files from RGBA8 pixels, written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace vkvae::io {

// `pixels`: width × height RGBA8 values, row-major (R in the low byte, as image_grid writes).
void write_png(const std::filesystem::path& path, uint32_t width, uint32_t height, std::span<const uint32_t> pixels);

}  // namespace vkvae::io
