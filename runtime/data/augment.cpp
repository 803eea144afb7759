// Each output row is produced by mapping its source row once and then the
// columns through a precomputed index map, so reflect padding, zero padding
// and the flip share one loop and cost no more than a copy.
#include "runtime/data/augment.h"

#include <vector>

#include "ir/error.h"
#include "runtime/data/augment_math.h"
#include "runtime/data/shuffle.h"

namespace graphc::runtime::data {
namespace {
// Words drawn per sample: offset y, offset x, flip.
constexpr uint64_t kWordsPerSample = 3;

int64_t source_index(int64_t i, int64_t size, PadMode mode) {
  return graphc_augment_source(i, size, mode == PadMode::reflect);
}
}  // namespace

AugmentDraw draw_augmentation(const Augmentation& aug, uint64_t seed, uint64_t epoch, uint64_t sample_index) {
  AugmentDraw draw;
  const uint64_t stream = kAugmentStream | epoch;
  const uint64_t base = sample_index * kWordsPerSample;
  if (aug.crop_padding > 0) {
    // 2P+1 offsets; the modulo bias is below 2^-25 for any sane padding.
    const auto choices = static_cast<uint64_t>(2 * aug.crop_padding + 1);
    draw.offset_y = static_cast<int64_t>(random_word(seed, stream, base) % choices);
    draw.offset_x = static_cast<int64_t>(random_word(seed, stream, base + 1) % choices);
  } else {
    draw.offset_y = draw.offset_x = 0;
  }
  draw.flip = aug.horizontal_flip && (random_word(seed, stream, base + 2) & 1u) != 0;
  return draw;
}

void check_augmentation(const Augmentation& aug, int64_t height, int64_t width) {
  if (aug.crop_padding < 0) throw Error(cat("crop padding ", aug.crop_padding, " is negative"));
  if (aug.crop_padding > 0 && aug.pad_mode == PadMode::reflect &&
      (aug.crop_padding >= height || aug.crop_padding >= width))
    throw Error(
        cat("reflect padding of ", aug.crop_padding, " needs images larger than it; they are ", height, "x", width));
  if (aug.crop_padding > 1024) throw Error(cat("crop padding ", aug.crop_padding, " is implausibly large"));
}

void augment_image(const uint8_t* src, uint8_t* dst, int64_t channels, int64_t height, int64_t width,
                   const Augmentation& aug, const AugmentDraw& draw) {
  const int64_t pad = aug.crop_padding;
  std::vector<int64_t> column(static_cast<size_t>(width));
  for (int64_t x = 0; x < width; ++x) {
    const int64_t cropped_x = draw.flip ? width - 1 - x : x;
    column[x] = source_index(cropped_x + draw.offset_x - pad, width, aug.pad_mode);
  }
  for (int64_t y = 0; y < height; ++y) {
    const int64_t sy = source_index(y + draw.offset_y - pad, height, aug.pad_mode);
    for (int64_t c = 0; c < channels; ++c) {
      uint8_t* out = dst + (c * height + y) * width;
      if (sy < 0) {
        for (int64_t x = 0; x < width; ++x) out[x] = 0;
        continue;
      }
      const uint8_t* in = src + (c * height + sy) * width;
      for (int64_t x = 0; x < width; ++x) out[x] = column[x] < 0 ? uint8_t{0} : in[column[x]];
    }
  }
}

}  // namespace graphc::runtime::data
