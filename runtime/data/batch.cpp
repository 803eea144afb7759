// Augmentation runs on uint8 before the table lookup: cropping and flipping
// move pixels without changing them, so doing them first is exact and moves
// a quarter of the bytes.
#include "runtime/data/batch.h"

#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::data {

BatchAssembler::BatchAssembler(const Dataset& ds, BatchOptions options) : ds_(&ds), options_(std::move(options)) {
  ds.check();
  const int64_t channels = channel_count(ds.sample_shape);
  check_normalization(options_.normalization, channels);
  if (ds.has_pixels()) {
    if (options_.augmentation.enabled()) {
      if (ds.sample_shape.rank() != 3)
        throw Error(cat(ds.source, ": augmentation needs [C,H,W] images, samples are ", ds.sample_shape.str()));
      check_augmentation(options_.augmentation, ds.sample_shape[1], ds.sample_shape[2]);
    }
    recipe_ = std::make_shared<const PixelRecipe>(
        PixelRecipe{&ds, pixel_tables(options_.normalization, channels), options_.augmentation});
  } else if (options_.augmentation.enabled()) {
    throw Error(cat(ds.source, ": crop and flip augmentation applies to images, not to feature vectors"));
  }
}

void BatchAssembler::assemble(std::span<const uint32_t> indices, uint64_t epoch, Batch& out) const {
  const Dataset& ds = *ds_;
  const auto numel = static_cast<size_t>(ds.sample_numel());
  const int64_t channels = channel_count(ds.sample_shape);
  const size_t plane = numel / static_cast<size_t>(channels);
  const auto b = static_cast<int64_t>(indices.size());

  out.epoch = epoch;
  out.indices.assign(indices.begin(), indices.end());
  std::vector<int64_t> dims{b};
  dims.insert(dims.end(), ds.sample_shape.dims().begin(), ds.sample_shape.dims().end());
  out.input_shape = Shape(std::move(dims));
  const bool deferred = ds.has_pixels() && options_.defer_pixels;
  out.inputs.resize(deferred ? 0 : static_cast<size_t>(b) * numel);
  out.pixel_recipe = deferred ? recipe_ : nullptr;
  out.draws.clear();
  out.labels.clear();
  out.targets.clear();

  std::vector<uint8_t> augmented(ds.has_pixels() && options_.augmentation.enabled() ? numel : 0);
  for (int64_t row = 0; row < b; ++row) {
    const uint32_t i = indices[row];
    GRAPHC_ASSERT(i < ds.count, "sample ", i, " of ", ds.count);
    float* dst = out.inputs.data() + static_cast<size_t>(row) * numel;
    const size_t base = static_cast<size_t>(i) * numel;
    if (deferred) {
      if (options_.augmentation.enabled())
        out.draws.push_back(draw_augmentation(options_.augmentation, options_.augment_seed, epoch, i));
    } else if (ds.has_pixels()) {
      const uint8_t* src = ds.pixels.data() + base;
      if (!augmented.empty()) {
        const AugmentDraw draw = draw_augmentation(options_.augmentation, options_.augment_seed, epoch, i);
        augment_image(src, augmented.data(), channels, ds.sample_shape[1], ds.sample_shape[2], options_.augmentation,
                      draw);
        src = augmented.data();
      }
      for (int64_t c = 0; c < channels; ++c) {
        const PixelTable& table = recipe_->tables[c];
        for (size_t p = 0; p < plane; ++p) dst[c * plane + p] = table[src[c * plane + p]];
      }
    } else {
      const float* src = ds.features.data() + base;
      const Normalization& norm = options_.normalization;
      for (int64_t c = 0; c < channels; ++c)
        for (size_t p = 0; p < plane; ++p) {
          const float x = src[c * plane + p];
          dst[c * plane + p] = norm.enabled() ? (x - norm.mean[c]) / norm.std[c] : x;
        }
    }
    if (ds.is_classification()) {
      out.labels.push_back(ds.labels[i]);
    } else {
      const auto k = static_cast<size_t>(ds.target_count);
      out.targets.insert(out.targets.end(), ds.targets.begin() + static_cast<ptrdiff_t>(i * k),
                         ds.targets.begin() + static_cast<ptrdiff_t>((i + 1) * k));
    }
  }
}

BatchStream::BatchStream(const Dataset& ds, BatchSampler sampler, BatchOptions options)
    : assembler_(ds, std::move(options)), sampler_(std::move(sampler)) {
  for (uint32_t i : sampler_.position().order)
    if (i >= ds.count)
      throw Error(cat(ds.source, ": sample index ", i, " is past the data set's ", ds.count, " samples"));
}

std::optional<Batch> BatchStream::next() {
  std::span<const uint32_t> indices = sampler_.next_batch();
  if (indices.empty()) return std::nullopt;
  Batch batch;
  assembler_.assemble(indices, sampler_.position().epoch, batch);
  batch.cursor_after = sampler_.position().cursor;
  return batch;
}

}  // namespace graphc::runtime::data
