#include "core/png.hpp"

#include <png.h>

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace boardemu {

namespace {

void write_png(const std::string& path, unsigned width, unsigned height, std::span<const std::uint8_t> pixels,
               unsigned channels, png_uint_32 format, const char* kind) {
  if (width == 0 || height == 0 || pixels.size() != std::size_t{width} * height * channels)
    throw std::invalid_argument(fmt::format("PNG {}: {} bytes are not a {} x {} {} image", path, pixels.size(),
                                            width, height, kind));
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = format;
  if (!png_image_write_to_file(&image, path.c_str(), /*convert_to_8bit=*/0, pixels.data(),
                               static_cast<png_int_32>(width * channels), /*colormap=*/nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    throw std::runtime_error(fmt::format("cannot write PNG {}: {}", path, why));
  }
}

}  // namespace

void write_png_gray8(const std::string& path, unsigned width, unsigned height,
                     std::span<const std::uint8_t> pixels) {
  // One 8-bit channel: colour type 0, bit depth 8.
  write_png(path, width, height, pixels, 1, PNG_FORMAT_GRAY, "greyscale");
}

void write_png_rgb8(const std::string& path, unsigned width, unsigned height,
                    std::span<const std::uint8_t> pixels) {
  // Three 8-bit channels: colour type 2, bit depth 8.
  write_png(path, width, height, pixels, 3, PNG_FORMAT_RGB, "RGB");
}

GrayImage read_png_gray8(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    std::string why = image.message;
    png_image_free(&image);
    throw std::runtime_error(fmt::format("{}: not a readable PNG ({})", path, why));
  }
  if (image.width == 0 || image.height == 0 || image.width > 8192 || image.height > 8192) {
    png_image_free(&image);
    throw std::runtime_error(fmt::format("{}: a PNG of {} x {} pixels (at most 8192 x 8192)", path, image.width,
                                         image.height));
  }
  image.format = PNG_FORMAT_GRAY;  // colour converted to its luminance, alpha composed on black
  GrayImage out;
  out.width = image.width;
  out.height = image.height;
  out.pixels.resize(std::size_t{out.width} * out.height);
  png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, out.pixels.data(), static_cast<png_int_32>(out.width), nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    throw std::runtime_error(fmt::format("{}: cannot read PNG ({})", path, why));
  }
  return out;
}

}  // namespace boardemu
