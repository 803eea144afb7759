// What an image decoder reports: the planes it wrote. Decoders write CHW
// (one plane per channel), the layout networks take, so a decoded image is
// copied into its data set without rearranging.
#pragma once

#include <cstdint>
#include <string>

namespace graphc::runtime::data {

struct ImageShape {
  int64_t channels = 0;  // 1 (grey) or 3 (RGB)
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const ImageShape&) const = default;
  int64_t numel() const { return channels * height * width; }
  std::string str() const {
    return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width);
  }
};

// Decoders refuse images larger than this many pixels (a forged header must
// not reach the allocator).
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

}  // namespace graphc::runtime::data
