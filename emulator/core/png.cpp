#include "core/png.hpp"

#include <png.h>

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace boardemu {

void write_png_gray8(const std::string& path, unsigned width, unsigned height,
                     std::span<const std::uint8_t> pixels) {
  if (width == 0 || height == 0 || pixels.size() != std::size_t{width} * height)
    throw std::invalid_argument(fmt::format("PNG {}: {} bytes are not a {} x {} greyscale image", path,
                                            pixels.size(), width, height));
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_GRAY;  // one 8-bit channel: colour type 0, bit depth 8
  if (!png_image_write_to_file(&image, path.c_str(), /*convert_to_8bit=*/0, pixels.data(),
                               static_cast<png_int_32>(width), /*colormap=*/nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    throw std::runtime_error(fmt::format("cannot write PNG {}: {}", path, why));
  }
}

}  // namespace boardemu
