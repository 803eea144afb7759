// What `--data PATH` means: the format is recognised from the path (a CSV
// file, a tar archive, a directory of IDX files, of CIFAR-10 batches, or of
// image-folder splits), so users point the trainer at data as they have it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

enum class DataFormat { mnist_idx, cifar10_binary, image_folder, csv };

std::string_view data_format_name(DataFormat format);

// Throws graphc::Error when path does not exist or holds none of the formats.
DataFormat detect_data_format(const std::string& path);

struct TrainTestData {
  DataFormat format;
  Dataset train;
  std::optional<Dataset> test;  // CSV tables have none
};

// Loads the train and test splits (image folders: the "train" and "test"
// folders). csv_target_count: the number of trailing target columns of a CSV.
TrainTestData load_train_test(const std::string& path, int64_t csv_target_count = 1);

}  // namespace graphc::runtime::data
