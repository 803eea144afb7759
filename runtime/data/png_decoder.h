// PNG decoding with zlib alone (PNG's pixel data is a deflate stream), so
// image folders of PNGs need no extra library. Covers what image data sets
// use: 8- and 16-bit greyscale, RGB, palette, grey+alpha and RGBA,
// non-interlaced. Refused with a message naming the file: bit depths below
// 8, Adam7 interlacing, bad CRCs, a truncated file. Alpha is dropped (not
// composited), 16-bit samples keep their high byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/data/image_shape.h"

namespace graphc::runtime::data {

bool has_png_signature(std::string_view bytes);

// Decodes into chw (resized to fit). wanted_channels: 1 or 3 converts (RGB
// to grey with ITU-R 601 luma weights, as PIL's convert("L") does); 0 keeps
// the file's own (1 for grey types, else 3).
ImageShape decode_png(std::string_view bytes, int wanted_channels, std::vector<uint8_t>& chw, const std::string& name);

}  // namespace graphc::runtime::data
