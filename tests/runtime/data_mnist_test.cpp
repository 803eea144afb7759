// MNIST IDX loading, raw and gzipped, and every way the files can be wrong.
#include <gtest/gtest.h>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/idx.h"
#include "runtime/data/mnist.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

// 3 images of 2x4 pixels, pixel value = 10*image + position.
std::vector<uint8_t> three_images() {
  std::vector<uint8_t> v;
  for (int i = 0; i < 3; ++i)
    for (int p = 0; p < 8; ++p) v.push_back(static_cast<uint8_t>(10 * i + p));
  return v;
}

void write_split(const TempDir& dir, const std::string& prefix, bool gz, const std::string& images,
                 const std::string& labels) {
  const std::string suffix = gz ? ".gz" : "";
  write_bytes(dir.file(prefix + "-images-idx3-ubyte" + suffix), gz ? gzip(images) : images);
  write_bytes(dir.file(prefix + "-labels-idx1-ubyte" + suffix), gz ? gzip(labels) : labels);
}

void expect_three_images(const Dataset& ds) {
  EXPECT_EQ(ds.count, 3);
  EXPECT_EQ(ds.sample_shape, (Shape{1, 2, 4}));
  EXPECT_EQ(ds.pixels, three_images());
  EXPECT_EQ(ds.labels, (std::vector<int32_t>{7, 0, 9}));
  EXPECT_EQ(ds.num_classes, 10);
  ASSERT_EQ(ds.class_names.size(), 10u);
  EXPECT_EQ(ds.class_names[3], "3");
}

TEST(DataMnist, ReadsRawTrainSplit) {
  TempDir dir;
  write_split(dir, "train", false, idx_u8({3, 2, 4}, three_images()), idx_u8({3}, {7, 0, 9}));
  expect_three_images(load_mnist(dir.path().string(), "train"));
}

TEST(DataMnist, ReadsGzippedTestSplit) {
  TempDir dir;
  write_split(dir, "t10k", true, idx_u8({3, 2, 4}, three_images()), idx_u8({3}, {7, 0, 9}));
  const Dataset ds = load_mnist(dir.path().string(), "test");
  expect_three_images(ds);
  EXPECT_NE(ds.source.find("t10k-images-idx3-ubyte.gz"), std::string::npos);
}

TEST(DataMnist, MissingFileIsNamed) {
  TempDir dir;
  write_bytes(dir.file("train-images-idx3-ubyte"), idx_u8({3, 2, 4}, three_images()));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-labels-idx1-ubyte", dir.path().string()});
  expect_error([&] { load_mnist(dir.path().string(), "validation"); }, {"validation"});
}

TEST(DataMnist, TruncatedImagesAreRejected) {
  TempDir dir;
  std::string images = idx_u8({3, 2, 4}, three_images());
  images.resize(images.size() - 5);
  write_split(dir, "train", false, images, idx_u8({3}, {7, 0, 9}));
  expect_error([&] { load_mnist(dir.path().string(), "train"); },
               {"train-images-idx3-ubyte", "truncated", "19 follow"});
}

TEST(DataMnist, TruncatedHeaderIsRejected) {
  TempDir dir;
  const std::string path = dir.file("x-idx3-ubyte");
  write_bytes(path, idx_u8({3, 2, 4}, {}).substr(0, 9));
  expect_error([&] { read_idx_u8(path); }, {path, "truncated", "dimensions"});
}

TEST(DataMnist, BadMagicIsRejected) {
  TempDir dir;
  std::string images = idx_u8({3, 2, 4}, three_images());
  images[0] = 'P';  // e.g. a PNG renamed
  write_split(dir, "train", false, images, idx_u8({3}, {7, 0, 9}));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-images-idx3-ubyte", "not an IDX file"});
}

TEST(DataMnist, UnsupportedElementTypeIsRejected) {
  TempDir dir;
  std::string labels = idx_u8({3}, {7, 0, 9});
  labels[2] = 0x0D;  // float
  const std::string path = dir.file("labels");
  write_bytes(path, labels);
  expect_error([&] { read_idx_u8(path); }, {path, "0x0d", "not supported"});
}

TEST(DataMnist, CountMismatchBetweenImagesAndLabels) {
  TempDir dir;
  write_split(dir, "train", false, idx_u8({3, 2, 4}, three_images()), idx_u8({2}, {7, 0}));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-labels-idx1-ubyte", "2 labels", "3 images"});
}

TEST(DataMnist, ExtraBytesAfterTheDataAreRejected) {
  TempDir dir;
  write_split(dir, "train", false, idx_u8({3, 2, 4}, three_images()), idx_u8({3}, {7, 0, 9}) + "x");
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-labels-idx1-ubyte", "more data"});
}

TEST(DataMnist, LabelOutOfRangeIsRejected) {
  TempDir dir;
  write_split(dir, "train", false, idx_u8({3, 2, 4}, three_images()), idx_u8({3}, {7, 10, 9}));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-labels-idx1-ubyte", "label 10", "sample 1"});
}

TEST(DataMnist, WrongRankIsRejected) {
  TempDir dir;
  write_split(dir, "train", false, idx_u8({3, 8}, three_images()), idx_u8({3}, {7, 0, 9}));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-images-idx3-ubyte", "3 dimensions"});
}

TEST(DataMnist, CorruptGzipStreamIsRejected) {
  TempDir dir;
  std::string gz = gzip(idx_u8({3, 2, 4}, three_images()));
  for (size_t i = 12; i < gz.size() - 8; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);  // damage the deflate data
  write_bytes(dir.file("train-images-idx3-ubyte.gz"), gz);
  write_bytes(dir.file("train-labels-idx1-ubyte.gz"), gzip(idx_u8({3}, {7, 0, 9})));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-images-idx3-ubyte.gz", "gzip"});
}

TEST(DataMnist, TruncatedGzipStreamIsRejected) {
  TempDir dir;
  std::vector<uint8_t> many(3 * 28 * 28);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<uint8_t>(i * 31 + i / 7);
  const std::string gz = gzip(idx_u8({3, 28, 28}, many));
  write_bytes(dir.file("train-images-idx3-ubyte.gz"), gz.substr(0, gz.size() / 2));
  write_bytes(dir.file("train-labels-idx1-ubyte.gz"), gzip(idx_u8({3}, {7, 0, 9})));
  expect_error([&] { load_mnist(dir.path().string(), "train"); }, {"train-images-idx3-ubyte.gz", "truncated"});
}

}  // namespace
}  // namespace graphc::runtime::data
