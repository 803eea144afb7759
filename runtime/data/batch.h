// Turning sampled indices into the tensors a training step takes: inputs
// f32[B, ...sample shape] (pixels augmented as uint8, then scaled and
// normalized through per-channel tables), labels i32[B] or targets f32[B,K].
// A BatchStream is the synchronous pipeline (sampler + assembly); the
// background loader runs the very same stream on another thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "runtime/data/augment.h"
#include "runtime/data/dataset.h"
#include "runtime/data/normalize.h"
#include "runtime/data/sampler.h"

namespace graphc::runtime::data {

// How the inputs of a pixel data set's batches are made, for an executor
// that makes them itself from its own copy of the pixels (the CUDA
// executor, BatchOptions::defer_pixels): all but the per-sample draws,
// shared by every batch of one assembler.
struct PixelRecipe {
  const Dataset* dataset = nullptr;
  std::vector<PixelTable> tables;  // per channel: pixel value -> input float
  Augmentation augmentation;
};

struct Batch {
  uint64_t epoch = 0;
  uint64_t cursor_after = 0;      // the epoch position once this batch is consumed
  std::vector<uint32_t> indices;  // data set index of each row
  Shape input_shape;              // [B, ...sample shape]
  std::vector<float> inputs;      // B * sample numel, row-major; empty when deferred
  // A deferred batch (BatchOptions::defer_pixels) leaves `inputs` to the
  // executor: row r is recipe->tables applied to sample indices[r]'s pixels
  // augmented with draws[r] (draws is empty without augmentation).
  std::shared_ptr<const PixelRecipe> pixel_recipe;
  std::vector<AugmentDraw> draws;
  std::vector<int32_t> labels;    // B, classification
  std::vector<float> targets;     // B * K, regression
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

struct BatchOptions {
  Normalization normalization;  // per channel; empty = x/255 only (pixels) or as is (features)
  Augmentation augmentation;    // pixels only; leave disabled for validation and test
  uint64_t augment_seed = 0;
  // Pixel data sets only: leave the inputs to an executor that holds the
  // pixels (Batch::pixel_recipe) instead of building them here.
  bool defer_pixels = false;
};

// Validates the options against the data set once, then assembles batches.
class BatchAssembler {
 public:
  BatchAssembler(const Dataset& ds, BatchOptions options);
  void assemble(std::span<const uint32_t> indices, uint64_t epoch, Batch& out) const;
  const Dataset& dataset() const { return *ds_; }

 private:
  const Dataset* ds_;
  BatchOptions options_;
  std::shared_ptr<const PixelRecipe> recipe_;  // pixels: the tables and augmentation
};

// Batches of the sampler's current epoch, in order. Owns its sampler; the
// data set must outlive it.
class BatchStream {
 public:
  BatchStream(const Dataset& ds, BatchSampler sampler, BatchOptions options);
  // The next batch, or nullopt once the epoch is over.
  std::optional<Batch> next();
  const BatchSampler& sampler() const { return sampler_; }

 private:
  BatchAssembler assembler_;
  BatchSampler sampler_;
};

}  // namespace graphc::runtime::data
