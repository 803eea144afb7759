// Detection looks at names only (no decoding), cheapest test first.
#include "runtime/data/load_data.h"

#include <filesystem>

#include "ir/error.h"
#include "runtime/data/cifar_binary.h"
#include "runtime/data/csv.h"
#include "runtime/data/image_folder.h"
#include "runtime/data/mnist.h"

namespace graphc::runtime::data {
namespace fs = std::filesystem;

std::string_view data_format_name(DataFormat format) {
  switch (format) {
    case DataFormat::mnist_idx: return "MNIST IDX";
    case DataFormat::cifar10_binary: return "CIFAR-10 binary";
    case DataFormat::image_folder: return "image folder";
    case DataFormat::csv: return "CSV";
  }
  return "?";
}

DataFormat detect_data_format(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(cat("data path ", path, " does not exist"));
  if (fs::is_regular_file(path, ec)) {
    if (is_tar_path(path)) return DataFormat::image_folder;
    if (path.ends_with(".csv") || path.ends_with(".csv.gz")) return DataFormat::csv;
    throw Error(cat(path, ": unknown data file type (expected .csv, .tar, .tar.gz or .tgz, or a directory)"));
  }
  if (looks_like_mnist(path)) return DataFormat::mnist_idx;
  if (looks_like_cifar10_binary(path)) return DataFormat::cifar10_binary;
  if (fs::is_directory(fs::path(path) / "train", ec)) return DataFormat::image_folder;
  throw Error(cat(path,
                  ": no data set recognised (expected MNIST IDX files, CIFAR-10 data_batch_*.bin, "
                  "or train/<class>/ image folders)"));
}

TrainTestData load_train_test(const std::string& path, int64_t csv_target_count) {
  const DataFormat format = detect_data_format(path);
  switch (format) {
    case DataFormat::mnist_idx: return {format, load_mnist(path, "train"), load_mnist(path, "test")};
    case DataFormat::cifar10_binary:
      return {format, load_cifar10_binary(path, "train"), load_cifar10_binary(path, "test")};
    case DataFormat::image_folder: {
      std::vector<Dataset> splits = load_image_folder(path, {"train", "test"});
      return {format, std::move(splits[0]), std::move(splits[1])};
    }
    case DataFormat::csv: return {format, load_csv(path, csv_target_count), std::nullopt};
  }
  GRAPHC_ASSERT(false, "unknown data format");
  return {};
}

}  // namespace graphc::runtime::data
