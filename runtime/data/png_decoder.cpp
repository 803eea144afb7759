// PNG in brief: an 8-byte signature, then chunks (length, type, data, CRC):
// IHDR (size and pixel format), PLTE (palette), IDAT (the deflate stream of
// all rows, each prefixed by a filter byte), IEND. Rows are "unfiltered"
// against the row above and the pixel to the left (PNG spec, section 9).
#include "runtime/data/png_decoder.h"

#include <zlib.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::data {
namespace {
constexpr unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

enum ColorType : int { kGrey = 0, kRgb = 2, kPalette = 3, kGreyAlpha = 4, kRgba = 6 };

struct Header {
  int64_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
  int samples() const {  // per pixel, as stored
    switch (color_type) {
      case kGrey: return 1;
      case kRgb: return 3;
      case kPalette: return 1;
      case kGreyAlpha: return 2;
      case kRgba: return 4;
      default: return 0;
    }
  }
  int native_channels() const { return color_type == kGrey || color_type == kGreyAlpha ? 1 : 3; }
};

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Header parse_header(const unsigned char* data, uint32_t length, const std::string& name) {
  if (length != 13) throw Error(cat(name, ": corrupt PNG (IHDR of ", length, " bytes)"));
  Header h;
  h.width = be32(data);
  h.height = be32(data + 4);
  h.bit_depth = data[8];
  h.color_type = data[9];
  h.interlace = data[12];
  if (h.width == 0 || h.height == 0 || h.width * h.height > kMaxImagePixels)
    throw Error(cat(name, ": PNG of ", h.width, "x", h.height, " pixels is empty or too large"));
  if (h.samples() == 0) throw Error(cat(name, ": corrupt PNG (color type ", h.color_type, ")"));
  if (h.bit_depth != 8 && !(h.bit_depth == 16 && h.color_type != kPalette))
    throw Error(cat(name, ": PNG bit depth ", h.bit_depth, " is not supported (8 or 16 bits per sample)"));
  if (data[10] != 0 || data[11] != 0) throw Error(cat(name, ": corrupt PNG (unknown compression or filter method)"));
  if (h.interlace != 0) throw Error(cat(name, ": interlaced PNGs are not supported"));
  return h;
}

// Inflates exactly `size` bytes of filtered rows.
std::vector<uint8_t> inflate_exact(const std::string& idat, size_t size, const std::string& name) {
  // Deflate expands at most ~1032:1, so a header announcing more pixels than
  // the data can hold is caught before allocating for them.
  constexpr size_t kMaxDeflateRatio = 1032;
  if (size / kMaxDeflateRatio > idat.size() + 64)
    throw Error(
        cat(name, ": truncated PNG (", idat.size(), " bytes of pixel data cannot hold ", size, " bytes of rows)"));
  std::vector<uint8_t> out(size);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) throw Error(cat(name, ": cannot start zlib"));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(idat.data()));
  z.avail_in = static_cast<uInt>(idat.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int ret = inflate(&z, Z_FINISH);
  const size_t produced = size - z.avail_out;
  std::string message = z.msg ? z.msg : "";
  inflateEnd(&z);
  if (ret == Z_STREAM_END && produced == size) return out;
  if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) throw Error(cat(name, ": corrupt PNG pixel data (", message, ")"));
  if (ret == Z_BUF_ERROR && produced == size)
    throw Error(cat(name, ": corrupt PNG (more pixel data than its ", size, "-byte rows)"));
  throw Error(cat(name, ": truncated PNG pixel data (", produced, " of ", size, " bytes)"));
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// Undoes the per-row filters in place; rows are [filter byte, stride bytes].
void unfilter(std::vector<uint8_t>& rows, int64_t height, size_t stride, size_t bytes_per_pixel,
              const std::string& name) {
  const std::vector<uint8_t> zero_row(stride, 0);
  for (int64_t y = 0; y < height; ++y) {
    uint8_t* row = rows.data() + static_cast<size_t>(y) * (stride + 1);
    const uint8_t filter = row[0];
    uint8_t* cur = row + 1;
    const uint8_t* up = y == 0 ? zero_row.data() : cur - (stride + 1);
    for (size_t i = 0; i < stride; ++i) {
      const int left = i >= bytes_per_pixel ? cur[i - bytes_per_pixel] : 0;
      const int above = up[i];
      const int upper_left = i >= bytes_per_pixel ? up[i - bytes_per_pixel] : 0;
      int predictor = 0;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = left; break;
        case 2: predictor = above; break;
        case 3: predictor = (left + above) / 2; break;
        case 4: predictor = paeth(left, above, upper_left); break;
        default: throw Error(cat(name, ": corrupt PNG (filter type ", int{filter}, " on row ", y, ")"));
      }
      cur[i] = static_cast<uint8_t>(cur[i] + predictor);
    }
  }
}
}  // namespace

bool has_png_signature(std::string_view bytes) {
  return bytes.size() >= sizeof kSignature && std::memcmp(bytes.data(), kSignature, sizeof kSignature) == 0;
}

ImageShape decode_png(std::string_view bytes, int wanted_channels, std::vector<uint8_t>& chw, const std::string& name) {
  GRAPHC_ASSERT(wanted_channels == 0 || wanted_channels == 1 || wanted_channels == 3, "channels ", wanted_channels);
  if (!has_png_signature(bytes)) throw Error(cat(name, ": not a PNG file (bad signature)"));
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t pos = sizeof kSignature;
  Header header;
  bool have_header = false, ended = false;
  std::vector<std::array<uint8_t, 3>> palette;
  std::string idat;
  while (!ended) {
    if (bytes.size() - pos < 12) throw Error(cat(name, ": truncated PNG (ends inside a chunk header, no IEND)"));
    const uint32_t length = be32(data + pos);
    const std::string type(bytes.substr(pos + 4, 4));
    if (length > bytes.size() - pos - 12) throw Error(cat(name, ": truncated PNG (chunk ", type, " is cut off)"));
    const unsigned char* body = data + pos + 8;
    const uint32_t stored_crc = be32(body + length);
    if (crc32(0, data + pos + 4, length + 4) != stored_crc)
      throw Error(cat(name, ": corrupt PNG (CRC mismatch in chunk ", type, ")"));
    pos += 12 + size_t{length};
    if (!have_header && type != "IHDR") throw Error(cat(name, ": corrupt PNG (first chunk is ", type, ", not IHDR)"));
    if (type == "IHDR") {
      header = parse_header(body, length, name);
      have_header = true;
    } else if (type == "PLTE") {
      if (length % 3 != 0 || length / 3 > 256) throw Error(cat(name, ": corrupt PNG (palette of ", length, " bytes)"));
      for (uint32_t i = 0; i < length; i += 3) palette.push_back({body[i], body[i + 1], body[i + 2]});
    } else if (type == "IDAT") {
      idat.append(reinterpret_cast<const char*>(body), length);
    } else if (type == "IEND") {
      ended = true;
    }
  }
  if (header.color_type == kPalette && palette.empty())
    throw Error(cat(name, ": corrupt PNG (palette image without PLTE)"));

  const size_t bytes_per_sample = static_cast<size_t>(header.bit_depth / 8);
  const size_t bytes_per_pixel = bytes_per_sample * static_cast<size_t>(header.samples());
  const size_t stride = bytes_per_pixel * static_cast<size_t>(header.width);
  std::vector<uint8_t> rows = inflate_exact(idat, (stride + 1) * static_cast<size_t>(header.height), name);
  unfilter(rows, header.height, stride, bytes_per_pixel, name);

  const int channels = wanted_channels == 0 ? header.native_channels() : wanted_channels;
  const ImageShape shape{channels, header.height, header.width};
  const int64_t plane = header.height * header.width;
  chw.resize(static_cast<size_t>(shape.numel()));
  for (int64_t y = 0; y < header.height; ++y) {
    const uint8_t* row = rows.data() + static_cast<size_t>(y) * (stride + 1) + 1;
    for (int64_t x = 0; x < header.width; ++x) {
      const uint8_t* px = row + static_cast<size_t>(x) * bytes_per_pixel;  // high byte first for 16-bit
      auto sample = [&](int s) { return px[static_cast<size_t>(s) * bytes_per_sample]; };
      uint8_t rgb[3];
      if (header.color_type == kPalette) {
        if (px[0] >= palette.size())
          throw Error(cat(name, ": corrupt PNG (palette index ", int{px[0]}, " of ", palette.size(), ")"));
        std::memcpy(rgb, palette[px[0]].data(), 3);
      } else if (header.native_channels() == 1) {
        rgb[0] = rgb[1] = rgb[2] = sample(0);
      } else {
        for (int c = 0; c < 3; ++c) rgb[c] = sample(c);
      }
      const int64_t at = y * header.width + x;
      if (channels == 3) {
        for (int c = 0; c < 3; ++c) chw[c * plane + at] = rgb[c];
      } else if (header.native_channels() == 1) {
        chw[at] = rgb[0];
      } else {
        chw[at] = static_cast<uint8_t>((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
      }
    }
  }
  return shape;
}

}  // namespace graphc::runtime::data
