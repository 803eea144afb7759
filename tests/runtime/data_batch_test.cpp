// Batch assembly: normalization values, labels and targets, and the crop and
// flip augmentation (exact pixel moves, padding values, determinism).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/augment.h"
#include "runtime/data/batch.h"
#include "runtime/data/normalize.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

// n images [C,H,W] with varied pixel values, labels cycling through 3 classes.
Dataset image_set(int64_t n, int64_t c, int64_t h, int64_t w) {
  Dataset ds;
  ds.source = "images";
  ds.count = n;
  ds.sample_shape = Shape{c, h, w};
  ds.pixels.resize(static_cast<size_t>(n * c * h * w));
  for (size_t i = 0; i < ds.pixels.size(); ++i) ds.pixels[i] = static_cast<uint8_t>((i * 7 + 3) % 256);
  ds.num_classes = 3;
  for (int64_t i = 0; i < n; ++i) ds.labels.push_back(static_cast<int32_t>(i % 3));
  return ds;
}

TEST(DataBatch, PixelsAreScaledThenNormalizedPerChannel) {
  Dataset ds = image_set(2, 2, 1, 2);
  ds.pixels = {0, 255, 128, 51, /*sample 1*/ 10, 20, 30, 40};
  BatchOptions options;
  options.normalization = {{0.5f, 0.25f}, {0.2f, 0.5f}};
  BatchAssembler assembler(ds, options);
  Batch batch;
  const std::vector<uint32_t> indices = {1, 0};
  assembler.assemble(indices, 0, batch);
  EXPECT_EQ(batch.input_shape, (Shape{2, 2, 1, 2}));
  EXPECT_EQ(batch.labels, (std::vector<int32_t>{1, 0}));
  auto expected = [](int v, float mean, float sd) { return (static_cast<float>(v) / 255.0f - mean) / sd; };
  const std::vector<float> want = {expected(10, 0.5f, 0.2f),   expected(20, 0.5f, 0.2f), expected(30, 0.25f, 0.5f),
                                   expected(40, 0.25f, 0.5f),  expected(0, 0.5f, 0.2f),  expected(255, 0.5f, 0.2f),
                                   expected(128, 0.25f, 0.5f), expected(51, 0.25f, 0.5f)};
  EXPECT_EQ(batch.inputs, want);  // bit for bit: same float operations as torchvision
  EXPECT_FLOAT_EQ(batch.inputs[4], -2.5f);
  EXPECT_FLOAT_EQ(batch.inputs[5], 2.5f);
  EXPECT_FLOAT_EQ(batch.inputs[7], -0.1f);  // (0.2 - 0.25) / 0.5
}

TEST(DataBatch, WithoutNormalizationPixelsAreDividedBy255) {
  Dataset ds = image_set(1, 1, 1, 2);
  ds.pixels = {0, 255};
  BatchAssembler assembler(ds, {});
  Batch batch;
  const std::vector<uint32_t> indices = {0};
  assembler.assemble(indices, 0, batch);
  EXPECT_EQ(batch.inputs, (std::vector<float>{0.0f, 1.0f}));
}

TEST(DataBatch, FeaturesAndTargetsOfRegression) {
  Dataset ds;
  ds.source = "table";
  ds.count = 3;
  ds.sample_shape = Shape{2};
  ds.features = {1, 10, 2, 20, 3, 30};
  ds.target_count = 1;
  ds.targets = {-1, -2, -3};
  const std::vector<uint32_t> all = {0, 1, 2};
  const Normalization stats = channel_statistics(ds, all);
  EXPECT_FLOAT_EQ(stats.mean[0], 2.0f);
  EXPECT_FLOAT_EQ(stats.mean[1], 20.0f);
  EXPECT_FLOAT_EQ(stats.std[0], std::sqrt(2.0f / 3.0f));
  BatchOptions options;
  options.normalization = stats;
  BatchAssembler assembler(ds, options);
  Batch batch;
  const std::vector<uint32_t> indices = {2, 0};
  assembler.assemble(indices, 0, batch);
  EXPECT_EQ(batch.input_shape, (Shape{2, 2}));
  EXPECT_FLOAT_EQ(batch.inputs[0], 1.0f / std::sqrt(2.0f / 3.0f));
  EXPECT_FLOAT_EQ(batch.inputs[3], -10.0f / stats.std[1]);
  EXPECT_EQ(batch.targets, (std::vector<float>{-3, -1}));
  EXPECT_TRUE(batch.labels.empty());
  BatchOptions augment;
  augment.augmentation.horizontal_flip = true;
  expect_error([&] { BatchAssembler bad(ds, augment); }, {"table", "images"});
}

TEST(DataBatch, ChannelStatisticsOfPixels) {
  Dataset ds = image_set(2, 2, 1, 2);
  ds.pixels = {0, 255, 51, 51, /*sample 1*/ 255, 0, 51, 51};
  const std::vector<uint32_t> all = {0, 1};
  const Normalization stats = channel_statistics(ds, all);
  EXPECT_FLOAT_EQ(stats.mean[0], 0.5f);
  EXPECT_FLOAT_EQ(stats.std[0], 0.5f);
  EXPECT_FLOAT_EQ(stats.mean[1], 0.2f);
  EXPECT_FLOAT_EQ(stats.std[1], 1.0f);  // no spread: 1 keeps normalization finite
}

TEST(DataBatch, BadNormalizationIsRejected) {
  Dataset ds = image_set(1, 3, 2, 2);
  BatchOptions options;
  options.normalization = {{0.5f, 0.5f}, {0.2f, 0.2f}};
  expect_error([&] { BatchAssembler a(ds, options); }, {"2 means", "3 channels"});
  options.normalization = {{0.5f, 0.5f, 0.5f}, {0.2f, 0.0f, 0.2f}};
  expect_error([&] { BatchAssembler a(ds, options); }, {"channel 1", "positive"});
}

// A 1x3x4 image holding 1..12 row by row.
std::vector<uint8_t> ramp() {
  std::vector<uint8_t> v(12);
  std::iota(v.begin(), v.end(), uint8_t{1});
  return v;
}

TEST(DataAugment, FlipMirrorsEachRow) {
  const std::vector<uint8_t> src = ramp();
  std::vector<uint8_t> dst(12);
  Augmentation aug{.crop_padding = 0, .pad_mode = PadMode::zeros, .horizontal_flip = true};
  augment_image(src.data(), dst.data(), 1, 3, 4, aug, {.offset_y = 0, .offset_x = 0, .flip = true});
  EXPECT_EQ(dst, (std::vector<uint8_t>{4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}));
}

TEST(DataAugment, ZeroPaddedCropShiftsContent) {
  const std::vector<uint8_t> src = ramp();
  std::vector<uint8_t> dst(12);
  Augmentation aug{.crop_padding = 1, .pad_mode = PadMode::zeros};
  // Window at the padded origin: the image moves one pixel down and right.
  augment_image(src.data(), dst.data(), 1, 3, 4, aug, {.offset_y = 0, .offset_x = 0, .flip = false});
  EXPECT_EQ(dst, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7}));
  // Offset P: unchanged.
  augment_image(src.data(), dst.data(), 1, 3, 4, aug, {.offset_y = 1, .offset_x = 1, .flip = false});
  EXPECT_EQ(dst, src);
  // Offset 2P, then flipped: moved up and left, then mirrored.
  augment_image(src.data(), dst.data(), 1, 3, 4, aug, {.offset_y = 2, .offset_x = 2, .flip = true});
  EXPECT_EQ(dst, (std::vector<uint8_t>{0, 8, 7, 6, 0, 12, 11, 10, 0, 0, 0, 0}));
}

TEST(DataAugment, ReflectPaddingMirrorsWithoutRepeatingTheEdge) {
  const std::vector<uint8_t> src = ramp();
  std::vector<uint8_t> dst(12);
  Augmentation aug{.crop_padding = 2, .pad_mode = PadMode::reflect};
  // Padded row 0 of [1 2 3 4] is [3 2 1 2 3 4 3 2]; padded rows are r2 r1 r0 r1 r2 r1 r0 (numpy "reflect").
  augment_image(src.data(), dst.data(), 1, 3, 4, aug, {.offset_y = 0, .offset_x = 0, .flip = false});
  EXPECT_EQ(dst, (std::vector<uint8_t>{11, 10, 9, 10, 7, 6, 5, 6, 3, 2, 1, 2}));
  augment_image(src.data(), dst.data(), 1, 3, 4, aug, {.offset_y = 4, .offset_x = 4, .flip = false});
  EXPECT_EQ(dst, (std::vector<uint8_t>{11, 12, 11, 10, 7, 8, 7, 6, 3, 4, 3, 2}));
  expect_error([&] { check_augmentation({.crop_padding = 3, .pad_mode = PadMode::reflect}, 3, 4); }, {"reflect"});
}

TEST(DataAugment, EveryChannelMovesTogether) {
  std::vector<uint8_t> src(2 * 2 * 3);
  std::iota(src.begin(), src.end(), uint8_t{1});
  std::vector<uint8_t> dst(src.size());
  augment_image(src.data(), dst.data(), 2, 2, 3, {.crop_padding = 1, .pad_mode = PadMode::zeros},
                {.offset_y = 1, .offset_x = 2, .flip = false});
  EXPECT_EQ(dst, (std::vector<uint8_t>{2, 3, 0, 5, 6, 0, 8, 9, 0, 11, 12, 0}));
}

TEST(DataAugment, DrawsAreDeterministicAndCoverTheRange) {
  const Augmentation aug{.crop_padding = 4, .pad_mode = PadMode::reflect, .horizontal_flip = true};
  std::set<int64_t> offsets;
  int flips = 0;
  for (uint64_t i = 0; i < 2000; ++i) {
    const AugmentDraw d = draw_augmentation(aug, 17, 3, i);
    const AugmentDraw again = draw_augmentation(aug, 17, 3, i);
    EXPECT_EQ(d.offset_x, again.offset_x);
    EXPECT_EQ(d.offset_y, again.offset_y);
    EXPECT_EQ(d.flip, again.flip);
    ASSERT_GE(d.offset_x, 0);
    ASSERT_LE(d.offset_x, 8);
    offsets.insert(d.offset_x);
    flips += d.flip;
  }
  EXPECT_EQ(offsets.size(), 9u);
  EXPECT_GT(flips, 900);  // 1000 expected, sd ~22
  EXPECT_LT(flips, 1100);
  const AugmentDraw no_flip = draw_augmentation({.crop_padding = 4}, 17, 3, 0);
  EXPECT_FALSE(no_flip.flip);
}

TEST(DataAugment, BatchesDependOnSeedEpochAndSampleOnly) {
  const Dataset ds = image_set(6, 3, 5, 5);
  BatchOptions options;
  options.augmentation = {.crop_padding = 2, .pad_mode = PadMode::zeros, .horizontal_flip = true};
  options.augment_seed = 99;
  BatchAssembler assembler(ds, options);
  Batch whole, part, other_epoch;
  const std::vector<uint32_t> all = {0, 1, 2, 3, 4, 5}, last_two = {4, 5};
  assembler.assemble(all, 1, whole);
  assembler.assemble(last_two, 1, part);  // other batch composition, same samples
  const size_t numel = 75;
  EXPECT_EQ(std::vector<float>(whole.inputs.begin() + 4 * numel, whole.inputs.end()), part.inputs);
  assembler.assemble(all, 2, other_epoch);
  EXPECT_NE(other_epoch.inputs, whole.inputs);
  Batch plain;
  BatchAssembler(ds, {}).assemble(all, 1, plain);
  EXPECT_NE(plain.inputs, whole.inputs);  // augmentation did something
}

}  // namespace
}  // namespace graphc::runtime::data

namespace graphc::runtime::data {
namespace {

// A deferred batch (BatchOptions::defer_pixels, for an executor that holds
// the pixels) carries what makes the host's inputs and nothing more: its
// tables applied to each sample's pixels moved by its draw give the host
// batch exactly; labels are gathered as usual, and feature data sets are
// never deferred.
TEST(DataBatch, DeferredBatchCarriesWhatMakesTheHostsInputs) {
  const Dataset ds = image_set(6, 3, 5, 7);
  BatchOptions on_host;
  on_host.normalization = {{0.4f, 0.5f, 0.6f}, {0.2f, 0.3f, 0.25f}};
  on_host.augmentation = {2, PadMode::reflect, true};
  on_host.augment_seed = 13;
  BatchOptions deferred = on_host;
  deferred.defer_pixels = true;
  const std::vector<uint32_t> indices = {4, 1, 5};
  Batch want, got;
  BatchAssembler(ds, on_host).assemble(indices, 2, want);
  BatchAssembler(ds, deferred).assemble(indices, 2, got);
  EXPECT_TRUE(got.inputs.empty());
  ASSERT_NE(got.pixel_recipe, nullptr);
  EXPECT_EQ(got.pixel_recipe->dataset, &ds);
  EXPECT_EQ(got.input_shape, want.input_shape);
  EXPECT_EQ(got.labels, want.labels);
  ASSERT_EQ(got.draws.size(), indices.size());
  const size_t numel = static_cast<size_t>(ds.sample_numel()), plane = numel / 3;
  std::vector<uint8_t> moved(numel);
  std::vector<float> rebuilt;
  for (size_t r = 0; r < indices.size(); ++r) {
    augment_image(ds.pixels.data() + indices[r] * numel, moved.data(), 3, 5, 7, deferred.augmentation, got.draws[r]);
    for (size_t p = 0; p < numel; ++p) rebuilt.push_back(got.pixel_recipe->tables[p / plane][moved[p]]);
  }
  EXPECT_EQ(rebuilt, want.inputs);

  Dataset features;
  features.source = "features";
  features.count = 2;
  features.sample_shape = Shape{2};
  features.features = {1, 2, 3, 4};
  features.targets = {5, 6};
  features.target_count = 1;
  BatchOptions defer_features;
  defer_features.defer_pixels = true;
  Batch f;
  const std::vector<uint32_t> both = {1, 0};
  BatchAssembler(features, defer_features).assemble(both, 0, f);
  EXPECT_EQ(f.inputs, (std::vector<float>{3, 4, 1, 2}));
  EXPECT_EQ(f.pixel_recipe, nullptr);
}

}  // namespace
}  // namespace graphc::runtime::data
