#include "data/convert.hpp"

#include <stb_image_resize.h>

#include <cmath>

#include "util/error.hpp"

namespace vkvae::data {

void convert_channels(Images& images, int64_t channels) {
  if (channels == 0 || channels == images.channels) return;
  const auto plane = static_cast<std::size_t>(images.rows * images.cols);
  std::vector<uint8_t> out(static_cast<std::size_t>(images.count) * plane * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < static_cast<std::size_t>(images.count); ++i) {
    if (channels == 3) {
      const uint8_t* grey = images.pixels.data() + i * plane;
      for (std::size_t k = 0; k < 3; ++k) std::copy(grey, grey + plane, out.data() + (i * 3 + k) * plane);
    } else {
      const uint8_t* rgb = images.pixels.data() + i * 3 * plane;
      for (std::size_t p = 0; p < plane; ++p) {
        const double luma = 0.299 * rgb[p] + 0.587 * rgb[plane + p] + 0.114 * rgb[2 * plane + p];
        out[i * plane + p] = static_cast<uint8_t>(std::lround(luma));
      }
    }
  }
  images.pixels = std::move(out);
  images.channels = channels;
}

void resize(Images& images, int64_t height, int64_t width) {
  if ((height == 0 && width == 0) || (height == images.rows && width == images.cols)) return;
  const auto in_plane = static_cast<std::size_t>(images.rows * images.cols), out_plane = static_cast<std::size_t>(height * width);
  std::vector<uint8_t> out(static_cast<std::size_t>(images.count * images.channels) * out_plane);
  for (std::size_t plane = 0; plane < static_cast<std::size_t>(images.count * images.channels); ++plane) {
    if (!stbir_resize_uint8(images.pixels.data() + plane * in_plane, static_cast<int>(images.cols), static_cast<int>(images.rows), 0,
                            out.data() + plane * out_plane, static_cast<int>(width), static_cast<int>(height), 0, 1)) {
      throw Error("resizing images to " + std::to_string(height) + "×" + std::to_string(width) + " failed");
    }
  }
  images.pixels = std::move(out);
  images.rows = height;
  images.cols = width;
}

void apply_format(Images& images, const ImageFormat& format) {
  convert_channels(images, format.channels);
  resize(images, format.height, format.width);
}

}  // namespace vkvae::data
