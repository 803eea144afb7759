// Training-time augmentation on uint8 CHW images, torchvision's
// RandomCrop(size, padding=P, padding_mode) followed by RandomHorizontalFlip:
// the image is padded by P pixels on every side (zeros, or reflected without
// repeating the edge pixel, numpy's "reflect"), a window of the original size
// is cut at a random offset in [0, 2P] per axis, then mirrored with
// probability 1/2. The draws for a sample come from (seed, epoch, sample
// index) alone, so batches do not depend on threads, batch size or resuming.
#pragma once

#include <cstdint>

namespace graphc::runtime::data {

enum class PadMode { zeros, reflect };

struct Augmentation {
  int64_t crop_padding = 0;  // P; 0 = no random crop
  PadMode pad_mode = PadMode::zeros;
  bool horizontal_flip = false;
  bool enabled() const { return crop_padding > 0 || horizontal_flip; }
};

// One sample's random choices.
struct AugmentDraw {
  int64_t offset_y = 0;  // window origin in the padded image, 0..2P
  int64_t offset_x = 0;
  bool flip = false;
};

AugmentDraw draw_augmentation(const Augmentation& aug, uint64_t seed, uint64_t epoch, uint64_t sample_index);

// Throws graphc::Error when the padding cannot apply to [C,H,W] images
// (negative, or reflect padding not smaller than the image side).
void check_augmentation(const Augmentation& aug, int64_t height, int64_t width);

// dst[c][y][x] = padded(src)[c][y + offset_y][x' + offset_x] with
// x' = W-1-x when flipped, else x. src and dst are [C,H,W] and must not overlap.
void augment_image(const uint8_t* src, uint8_t* dst, int64_t channels, int64_t height, int64_t width,
                   const Augmentation& aug, const AugmentDraw& draw);

}  // namespace graphc::runtime::data
