// The tables compute (v / 255 - mean) / std in float, the same operations in
// the same order as torchvision, so normalized values match it to the bit.
#include "runtime/data/normalize.h"

#include <cmath>

#include "ir/error.h"

namespace graphc::runtime::data {

int64_t channel_count(const Shape& sample_shape) {
  GRAPHC_ASSERT(sample_shape.rank() >= 1, "sample shape without dims");
  return sample_shape[0];
}

void check_normalization(const Normalization& norm, int64_t channels) {
  if (norm.mean.empty() && norm.std.empty()) return;
  if (static_cast<int64_t>(norm.mean.size()) != channels || static_cast<int64_t>(norm.std.size()) != channels)
    throw Error(cat("normalization has ", norm.mean.size(), " means and ", norm.std.size(), " standard deviations for ",
                    channels, " channels"));
  for (size_t c = 0; c < norm.std.size(); ++c)
    if (!(norm.std[c] > 0) || !std::isfinite(norm.std[c]) || !std::isfinite(norm.mean[c]))
      throw Error(cat("normalization of channel ", c, ": mean ", norm.mean[c], ", std ", norm.std[c],
                      " (std must be positive and both finite)"));
}

Normalization channel_statistics(const Dataset& ds, std::span<const uint32_t> indices) {
  const int64_t channels = channel_count(ds.sample_shape);
  const int64_t plane = ds.sample_numel() / channels;
  std::vector<double> sum(static_cast<size_t>(channels), 0.0), sum_sq(static_cast<size_t>(channels), 0.0);
  const double scale = ds.has_pixels() ? 1.0 / 255.0 : 1.0;
  for (uint32_t i : indices) {
    GRAPHC_ASSERT(i < ds.count, "sample ", i, " of ", ds.count);
    const size_t base = static_cast<size_t>(i) * static_cast<size_t>(ds.sample_numel());
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < plane; ++p) {
        const size_t at = base + static_cast<size_t>(c * plane + p);
        const double v =
            (ds.has_pixels() ? static_cast<double>(ds.pixels[at]) : static_cast<double>(ds.features[at])) * scale;
        sum[c] += v;
        sum_sq[c] += v * v;
      }
  }
  Normalization norm;
  const double n = static_cast<double>(indices.size()) * static_cast<double>(plane);
  for (int64_t c = 0; c < channels; ++c) {
    const double mean = n > 0 ? sum[c] / n : 0.0;
    const double var = n > 0 ? std::max(0.0, sum_sq[c] / n - mean * mean) : 0.0;
    const double sd = std::sqrt(var);
    norm.mean.push_back(static_cast<float>(mean));
    norm.std.push_back(sd > 1e-12 ? static_cast<float>(sd) : 1.0f);
  }
  return norm;
}

std::vector<PixelTable> pixel_tables(const Normalization& norm, int64_t channels) {
  check_normalization(norm, channels);
  std::vector<PixelTable> tables(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    for (int v = 0; v < 256; ++v) {
      float x = static_cast<float>(v) / 255.0f;
      if (norm.enabled()) x = (x - norm.mean[c]) / norm.std[c];
      tables[c][v] = x;
    }
  return tables;
}

}  // namespace graphc::runtime::data
