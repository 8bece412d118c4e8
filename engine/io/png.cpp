#include "io/png.hpp"

#include <stb_image_write.h>

#include <string>
#include <vector>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::io {
namespace {

void append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::byte>*>(context);
  const auto* bytes = static_cast<const std::byte*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

void write_png(const std::filesystem::path& path, uint32_t width, uint32_t height, std::span<const uint32_t> pixels) {
  if (pixels.size() != std::size_t{width} * height) {
    throw Error(path.string() + ": " + std::to_string(pixels.size()) + " pixels for a " + std::to_string(width) + "×" +
                std::to_string(height) + " image");
  }
  std::vector<std::byte> png;
  if (!stbi_write_png_to_func(append, &png, static_cast<int>(width), static_cast<int>(height), 4, pixels.data(),
                              static_cast<int>(width * 4))) {
    throw Error(path.string() + ": could not encode the PNG");
  }
  write_file_atomically(path, png);
}

}  // namespace vkvae::io
