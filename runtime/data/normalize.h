// Per-channel normalization, torchvision's ToTensor + Normalize: pixels are
// scaled to [0,1] (x/255), then each channel c becomes (x - mean[c]) / std[c].
// For feature vectors ([F] samples) every feature is its own "channel", so the
// same code standardizes CSV columns. Empty mean/std means no normalization.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

struct Normalization {
  std::vector<float> mean;  // one per channel, in the [0,1] pixel scale
  std::vector<float> std;
  bool enabled() const { return !mean.empty(); }
};

// Channels of a sample shape: dim 0 ([C,H,W] -> C, [F] -> F).
int64_t channel_count(const Shape& sample_shape);

// Throws graphc::Error unless mean and std both have `channels` entries
// (or are both empty) and every std is positive and finite.
void check_normalization(const Normalization& norm, int64_t channels);

// Per-channel mean and population standard deviation over the given samples
// (after /255 for pixels), accumulated in double. A channel with zero
// spread gets std 1 so that normalizing it stays finite.
Normalization channel_statistics(const Dataset& ds, std::span<const uint32_t> indices);

// The float each pixel value 0..255 of one channel maps to; a table, so that
// converting a batch costs one lookup per pixel.
using PixelTable = std::array<float, 256>;
std::vector<PixelTable> pixel_tables(const Normalization& norm, int64_t channels);

}  // namespace graphc::runtime::data
