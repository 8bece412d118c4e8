#include "io/image_file.hpp"

#include <stb_image.h>

#include <algorithm>
#include <cctype>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::io {

DecodedImage read_image_file(const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = read_file(path, path.string());
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int size = static_cast<int>(std::min<std::size_t>(bytes.size(), 0x7fffffff));
  int width = 0, height = 0, held = 0;
  if (!stbi_info_from_memory(data, size, &width, &height, &held)) {
    throw Error(path.string() + ": not a PNG or JPEG image (" + std::string(stbi_failure_reason()) + "); remove it or replace it", 2);
  }
  const int channels = held >= 3 ? 3 : 1;
  stbi_uc* pixels = stbi_load_from_memory(data, size, &width, &height, &held, channels);
  if (!pixels) throw Error(path.string() + ": unreadable image (" + std::string(stbi_failure_reason()) + "); remove it or replace it", 2);
  DecodedImage image{width, height, channels, {}};
  image.pixels.assign(pixels, pixels + static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * static_cast<std::size_t>(channels));
  stbi_image_free(pixels);
  return image;
}

bool is_image_file_name(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace vkvae::io
