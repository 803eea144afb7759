// `--data PATH` format recognition and the combined train/test loading.
#include <gtest/gtest.h>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/load_data.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

TEST(DataLoad, RecognisesEachFormat) {
  TempDir dir;
  const std::string root = dir.path().string();
  write_bytes(dir.file("mnist/train-images-idx3-ubyte.gz"), gzip(idx_u8({1, 2, 2}, {1, 2, 3, 4})));
  write_bytes(dir.file("mnist/train-labels-idx1-ubyte.gz"), gzip(idx_u8({1}, {3})));
  write_bytes(dir.file("mnist/t10k-images-idx3-ubyte"), idx_u8({1, 2, 2}, {5, 6, 7, 8}));
  write_bytes(dir.file("mnist/t10k-labels-idx1-ubyte"), idx_u8({1}, {4}));
  EXPECT_EQ(detect_data_format(root + "/mnist"), DataFormat::mnist_idx);
  const TrainTestData mnist = load_train_test(root + "/mnist");
  EXPECT_EQ(mnist.train.labels, (std::vector<int32_t>{3}));
  ASSERT_TRUE(mnist.test.has_value());
  EXPECT_EQ(mnist.test->pixels, (std::vector<uint8_t>{5, 6, 7, 8}));

  write_bytes(dir.file("cifar/data_batch_1.bin"), std::string(3073, '\1'));
  EXPECT_EQ(detect_data_format(root + "/cifar"), DataFormat::cifar10_binary);

  const std::string jpeg = encode_jpeg(2, 2, 3, pattern_hwc(2, 2, 3, 0));
  write_bytes(dir.file("folder/train/a/1.jpg"), jpeg);
  write_bytes(dir.file("folder/test/a/1.jpg"), jpeg);
  EXPECT_EQ(detect_data_format(root + "/folder"), DataFormat::image_folder);
  const TrainTestData folder = load_train_test(root + "/folder");
  EXPECT_EQ(folder.train.count, 1);
  EXPECT_EQ(folder.test->class_names, (std::vector<std::string>{"a"}));

  write_bytes(dir.file("archive.tgz"), gzip(tar_archive({{"train/a/1.jpg", jpeg}, {"test/a/1.jpg", jpeg}})));
  EXPECT_EQ(detect_data_format(root + "/archive.tgz"), DataFormat::image_folder);
  EXPECT_EQ(load_train_test(root + "/archive.tgz").test->count, 1);

  write_bytes(dir.file("table.csv"), "x,y\n1,2\n");
  EXPECT_EQ(detect_data_format(root + "/table.csv"), DataFormat::csv);
  const TrainTestData csv = load_train_test(root + "/table.csv", 1);
  EXPECT_FALSE(csv.test.has_value());
  EXPECT_EQ(csv.train.targets, (std::vector<float>{2}));
}

TEST(DataLoad, UnknownOrMissingPathsAreNamed) {
  TempDir dir;
  const std::string root = dir.path().string();
  expect_error([&] { detect_data_format(root + "/nothing"); }, {"nothing", "does not exist"});
  write_bytes(dir.file("data.bin"), "x");
  expect_error([&] { detect_data_format(root + "/data.bin"); }, {"data.bin", "unknown data file type"});
  std::filesystem::create_directories(dir.path() / "empty");
  expect_error([&] { detect_data_format(root + "/empty"); }, {"empty", "no data set recognised"});
}

}  // namespace
}  // namespace graphc::runtime::data
