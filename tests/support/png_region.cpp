// png_region FILE X Y W H: passes (exit 0) when the region of the PNG shows a picture — many
// distinct grey levels, and unlike the background (the image's bottom-right pixel).
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: png_region FILE X Y W H\n");
    return 2;
  }
  int width = 0, height = 0, channels = 0;
  unsigned char* pixels = stbi_load(argv[1], &width, &height, &channels, 3);
  if (!pixels) {
    std::fprintf(stderr, "png_region: cannot read %s\n", argv[1]);
    return 2;
  }
  const int x0 = std::atoi(argv[2]), y0 = std::atoi(argv[3]), w = std::atoi(argv[4]), h = std::atoi(argv[5]);
  if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > width || y0 + h > height) {
    std::fprintf(stderr, "png_region: region %d %d %d %d is outside the %d×%d image\n", x0, y0, w, h, width, height);
    return 1;
  }
  const unsigned char* background = pixels + 3 * ((height - 1) * width + width - 1);
  std::set<int> levels;
  double differ = 0.0;
  for (int y = y0; y < y0 + h; ++y) {
    for (int x = x0; x < x0 + w; ++x) {
      const unsigned char* p = pixels + 3 * (y * width + x);
      levels.insert(p[0] << 16 | p[1] << 8 | p[2]);
      differ += std::abs(p[0] - background[0]) + std::abs(p[1] - background[1]) + std::abs(p[2] - background[2]) > 30 ? 1.0 : 0.0;
    }
  }
  const double fraction = differ / (static_cast<double>(w) * h);
  stbi_image_free(pixels);
  std::printf("region %d×%d: %zu colours, %.1f%% unlike the background\n", w, h, levels.size(), 100.0 * fraction);
  // Digits on black: dozens of grey levels, and a good part of the region unlike the backdrop.
  return levels.size() >= 16 && fraction > 0.2 ? 0 : 1;
}
