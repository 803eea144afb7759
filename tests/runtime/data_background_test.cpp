// The background loader: same batches as the synchronous stream, clean
// shutdown when dropped early, producer errors surfacing in the consumer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/background_batches.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

Dataset image_set(int64_t n) {
  Dataset ds;
  ds.source = "images";
  ds.count = n;
  ds.sample_shape = Shape{3, 8, 8};
  ds.pixels.resize(static_cast<size_t>(n * 192));
  for (size_t i = 0; i < ds.pixels.size(); ++i) ds.pixels[i] = static_cast<uint8_t>(i * 13 + i / 192);
  ds.num_classes = 10;
  for (int64_t i = 0; i < n; ++i) ds.labels.push_back(static_cast<int32_t>(i % 10));
  return ds;
}

BatchStream make_stream(const Dataset& ds, uint64_t epoch) {
  std::vector<uint32_t> indices(static_cast<size_t>(ds.count));
  std::iota(indices.begin(), indices.end(), 0u);
  BatchSampler sampler(indices, {.batch_size = 16, .shuffle = true, .drop_last = false, .seed = 4});
  sampler.start_epoch(epoch);
  BatchOptions options;
  options.normalization = {{0.4f, 0.5f, 0.6f}, {0.2f, 0.25f, 0.3f}};
  options.augmentation = {.crop_padding = 2, .pad_mode = PadMode::reflect, .horizontal_flip = true};
  options.augment_seed = 4;
  return BatchStream(ds, sampler, options);
}

TEST(DataBackground, YieldsTheSynchronousBatches) {
  const Dataset ds = image_set(100);
  BatchStream sync = make_stream(ds, 2);
  BackgroundBatches background(make_stream(ds, 2), 2);
  int batches = 0;
  for (std::optional<Batch> want = sync.next(); want; want = sync.next(), ++batches) {
    std::optional<Batch> got = background.next();
    ASSERT_TRUE(got.has_value()) << "batch " << batches;
    EXPECT_EQ(got->indices, want->indices);
    EXPECT_EQ(got->inputs, want->inputs);
    EXPECT_EQ(got->labels, want->labels);
    EXPECT_EQ(got->epoch, 2u);
    EXPECT_EQ(got->cursor_after, want->cursor_after);
  }
  EXPECT_EQ(batches, 7);  // 6 of 16 and one of 4
  EXPECT_FALSE(background.next().has_value());
  EXPECT_FALSE(background.next().has_value());  // stays finished
}

TEST(DataBackground, StopsCleanlyWhenDroppedEarly) {
  const Dataset ds = image_set(400);
  const auto start = std::chrono::steady_clock::now();
  {
    BackgroundBatches untouched(make_stream(ds, 0), 2);  // producer blocks on the full queue
  }
  {
    BackgroundBatches one(make_stream(ds, 0), 3);
    ASSERT_TRUE(one.next().has_value());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DataBackground, ProducerErrorIsRethrownAfterItsBatches) {
  std::atomic<int> produced{0};
  BackgroundBatches failing([&]() -> std::optional<Batch> {
    if (produced == 2) throw Error("decoding sample 7 failed");
    Batch b;
    b.indices = {static_cast<uint32_t>(produced++)};
    return b;
  });
  EXPECT_EQ(failing.next()->indices, (std::vector<uint32_t>{0}));
  EXPECT_EQ(failing.next()->indices, (std::vector<uint32_t>{1}));
  expect_error([&] { failing.next(); }, {"decoding sample 7 failed"});
  expect_error([&] { failing.next(); }, {"decoding sample 7 failed"});
}

TEST(DataBackground, SlowConsumerSeesEveryBatchInOrder) {
  std::atomic<int> produced{0};
  BackgroundBatches source(
      [&]() -> std::optional<Batch> {
        if (produced == 20) return std::nullopt;
        Batch b;
        b.indices = {static_cast<uint32_t>(produced++)};
        return b;
      },
      2);
  for (uint32_t i = 0; i < 20; ++i) {
    if (i % 5 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::optional<Batch> b = source.next();
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->indices[0], i);
  }
  EXPECT_FALSE(source.next().has_value());
  EXPECT_LE(produced.load(), 20);
}

}  // namespace
}  // namespace graphc::runtime::data
