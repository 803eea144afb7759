// The shared data sets themselves (../shared/data), when this machine has
// them: MNIST's IDX files and the CIFAR-10 JPEG archive load with the
// expected counts, shapes, first labels and class names.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <filesystem>
#include <iostream>

#include "runtime/data/image_folder.h"
#include "runtime/data/load_data.h"
#include "runtime/data/mnist.h"

namespace graphc::runtime::data {
namespace {

const std::string kSharedData = GRAPHC_SOURCE_DIR "/../shared/data";

TEST(DataRealSets, Mnist) {
  const std::string dir = kSharedData + "/mnist";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no MNIST at " << dir;
  const Dataset train = load_mnist(dir, "train");
  const Dataset test = load_mnist(dir, "test");
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(train.sample_shape, (Shape{1, 28, 28}));
  EXPECT_EQ(train.labels[0], 5);  // the famous first digit
  EXPECT_EQ(test.labels[0], 7);
  EXPECT_EQ(detect_data_format(dir), DataFormat::mnist_idx);
}

TEST(DataRealSets, Cifar10JpegArchive) {
  const std::string archive = kSharedData + "/cifar10-jpeg.tar.gz";
  if (!std::filesystem::is_regular_file(archive)) GTEST_SKIP() << "no CIFAR-10 archive at " << archive;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Dataset> splits = load_image_folder(archive, {"train", "test"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ info     ] loaded 60,000 CIFAR-10 JPEGs from " << archive << " in " << seconds << " s on "
            << std::thread::hardware_concurrency() << " threads\n";
  RecordProperty("cifar10_load_seconds", std::to_string(seconds));
  const Dataset& train = splits[0];
  const Dataset& test = splits[1];
  EXPECT_EQ(train.count, 50000);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(train.sample_shape, (Shape{3, 32, 32}));
  EXPECT_EQ(train.class_names, cifar10_class_names());  // sorted folder names = CIFAR-10's label order
  std::vector<int> per_class(10, 0);
  for (int32_t label : test.labels) ++per_class[label];
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));
}

}  // namespace
}  // namespace graphc::runtime::data
