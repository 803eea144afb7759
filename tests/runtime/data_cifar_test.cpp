// CIFAR-10 binary batches: record layout, batch order, class names, and
// the damaged files a download can leave.
#include <gtest/gtest.h>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/cifar_binary.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

// A record: the label byte, then 3072 pixel bytes (value = seed + offset).
std::string record(uint8_t label, uint8_t seed) {
  std::string r(1 + 3072, '\0');
  r[0] = static_cast<char>(label);
  for (size_t i = 0; i < 3072; ++i) r[1 + i] = static_cast<char>(static_cast<uint8_t>(seed + i * 13));
  return r;
}

// data_batch_b holds records (label b+2k, seed 10*b+k) for k = 0, 1.
void write_batches(const TempDir& dir) {
  for (int b = 1; b <= 5; ++b)
    write_bytes(dir.file("data_batch_" + std::to_string(b) + ".bin"),
                record(static_cast<uint8_t>(b - 1), static_cast<uint8_t>(10 * b)) +
                    record(static_cast<uint8_t>(b + 1), static_cast<uint8_t>(10 * b + 1)));
  write_bytes(dir.file("test_batch.bin"), record(9, 200));
}

TEST(DataCifar, ReadsTheFiveTrainBatchesInOrder) {
  TempDir dir;
  write_batches(dir);
  const Dataset ds = load_cifar10_binary(dir.path().string(), "train");
  EXPECT_EQ(ds.count, 10);
  EXPECT_EQ(ds.sample_shape, (Shape{3, 32, 32}));
  EXPECT_EQ(ds.labels, (std::vector<int32_t>{0, 2, 1, 3, 2, 4, 3, 5, 4, 6}));
  // Sample 3 is the second record of data_batch_2: seed 21; channel 1 (green), row 2, col 5.
  const size_t offset = 1024 + 2 * 32 + 5;
  EXPECT_EQ(ds.pixels[3 * 3072 + offset], static_cast<uint8_t>(21 + offset * 13));
  EXPECT_EQ(ds.class_names, cifar10_class_names());
  EXPECT_EQ(ds.class_names[0], "airplane");
  EXPECT_EQ(ds.class_names[9], "truck");
}

TEST(DataCifar, ReadsTheTestBatchAndClassNamesFromMeta) {
  TempDir dir;
  write_batches(dir);
  write_bytes(dir.file("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
  const Dataset ds = load_cifar10_binary(dir.path().string(), "test");
  EXPECT_EQ(ds.count, 1);
  EXPECT_EQ(ds.labels, (std::vector<int32_t>{9}));
  EXPECT_EQ(ds.pixels[0], 200);
  EXPECT_EQ(ds.class_names[9], "j");
}

TEST(DataCifar, FindsTheBatchesFolderOfTheArchive) {
  TempDir dir;
  TempDir unused;
  for (int b = 1; b <= 5; ++b)
    write_bytes(dir.file("cifar-10-batches-bin/data_batch_" + std::to_string(b) + ".bin"), record(1, 0));
  EXPECT_TRUE(looks_like_cifar10_binary(dir.path().string()));
  EXPECT_FALSE(looks_like_cifar10_binary(unused.path().string()));
  EXPECT_EQ(load_cifar10_binary(dir.path().string(), "train").count, 5);
}

TEST(DataCifar, TruncatedBatchIsRejected) {
  TempDir dir;
  write_batches(dir);
  write_bytes(dir.file("data_batch_4.bin"), record(1, 1) + record(2, 2).substr(0, 100));
  expect_error([&] { load_cifar10_binary(dir.path().string(), "train"); },
               {"data_batch_4.bin", "3173 bytes", "3073-byte"});
}

TEST(DataCifar, LabelOutOfRangeIsRejected) {
  TempDir dir;
  write_batches(dir);
  write_bytes(dir.file("test_batch.bin"), record(3, 0) + record(12, 0));
  expect_error([&] { load_cifar10_binary(dir.path().string(), "test"); }, {"test_batch.bin", "record 1", "label 12"});
}

TEST(DataCifar, MissingBatchIsNamed) {
  TempDir dir;
  write_batches(dir);
  std::filesystem::remove(dir.path() / "data_batch_3.bin");
  expect_error([&] { load_cifar10_binary(dir.path().string(), "train"); }, {"data_batch_3.bin"});
}

TEST(DataCifar, EmptyBatchIsRejected) {
  TempDir dir;
  write_batches(dir);
  write_bytes(dir.file("test_batch.bin"), "");
  expect_error([&] { load_cifar10_binary(dir.path().string(), "test"); }, {"test_batch.bin", "0 bytes"});
}

TEST(DataCifar, WrongClassNameCountInMetaIsRejected) {
  TempDir dir;
  write_batches(dir);
  write_bytes(dir.file("batches.meta.txt"), "a\nb\n");
  expect_error([&] { load_cifar10_binary(dir.path().string(), "test"); }, {"batches.meta.txt", "2 class names"});
}

}  // namespace
}  // namespace graphc::runtime::data
