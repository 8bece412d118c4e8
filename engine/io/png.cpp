#include "io/png.hpp"

#include <stb_image.h>
#include <stb_image_write.h>

#include <cstring>
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

GreyImage read_png_grey(const std::filesystem::path& path, const std::string& label) {
  const std::string name = label.empty() ? path.string() : label;
  const std::vector<std::byte> bytes = read_file(path, name);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x89PNG\r\n\x1a\n", 8) != 0) throw Error(name + ": not a PNG file", 2);
  int width = 0, height = 0, channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(data, size, &width, &height, &channels, 1);
  if (!pixels) throw Error(name + ": unreadable PNG (" + std::string(stbi_failure_reason()) + ")", 2);
  GreyImage image{static_cast<uint32_t>(width), static_cast<uint32_t>(height),
                  std::vector<uint8_t>(pixels, pixels + static_cast<std::size_t>(width) * static_cast<std::size_t>(height))};
  stbi_image_free(pixels);
  return image;
}

}  // namespace vkvae::io
