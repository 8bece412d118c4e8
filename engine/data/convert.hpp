// Bringing images to one shape: a channel count (grey ↔ RGB) and a size (resampled).
#pragma once

#include <cstdint>

#include "data/idx.hpp"

namespace vkvae::data {

// What --channels and --image-size ask for; 0: as the data holds it.
struct ImageFormat {
  int64_t channels = 0, height = 0, width = 0;
};

// Grey to RGB repeats the grey value; RGB to grey is the luma 0.299 R + 0.587 G + 0.114 B.
void convert_channels(Images& images, int64_t channels);
// Resamples every image to height × width (stb_image_resize's default filter, per channel).
void resize(Images& images, int64_t height, int64_t width);
// Both, as `format` asks.
void apply_format(Images& images, const ImageFormat& format);

}  // namespace vkvae::data
