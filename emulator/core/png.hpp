// PNG images of what a model shows (a display part's panel), for the host: a test's expected
// picture, a screenshot from the command line.
//
// Written with libpng's "simplified API" (png.h, libpng 1.6: png_image_write_to_file), which
// reports errors through png_image::message instead of longjmp, so no C++ frame is ever jumped
// over. The file is a PNG (ISO/IEC 15948, W3C PNG 2nd edition) with an IHDR of bit depth 8,
// colour type 0 (greyscale) or 2 (RGB), no interlace.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace boardemu {

// Writes `pixels` (`width` x `height` luminance bytes, row by row from the top, 0 black, 255
// white) to `path` as an 8-bit greyscale PNG, creating or truncating it. Throws
// std::invalid_argument when the sizes do not match (or are zero), std::runtime_error naming
// `path` and libpng's reason when the file cannot be written.
void write_png_gray8(const std::string& path, unsigned width, unsigned height,
                     std::span<const std::uint8_t> pixels);

// The same for colour: `pixels` holds width x height x 3 bytes (red, green, blue), written as an
// 8-bit RGB PNG (colour type 2). Screenshots of the GUI.
void write_png_rgb8(const std::string& path, unsigned width, unsigned height,
                    std::span<const std::uint8_t> pixels);

struct GrayImage {
  unsigned width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // row by row, one byte each
};

// Reads a PNG as 8-bit greyscale (colour images by their luminance). Throws std::runtime_error
// naming the file if it is missing, not a PNG, or larger than 8192 x 8192.
GrayImage read_png_gray8(const std::string& path);

}  // namespace boardemu
