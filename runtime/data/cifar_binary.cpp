// Each batch file is read whole (30 MB) and checked to be whole records
// before its records are split into the pixel and label buffers.
#include "runtime/data/cifar_binary.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/error.h"
#include "runtime/data/file_stream.h"

namespace graphc::runtime::data {
namespace {
constexpr int64_t kSide = 32;
constexpr int64_t kPixelBytes = 3 * kSide * kSide;
constexpr int64_t kRecordBytes = 1 + kPixelBytes;
constexpr int kClasses = 10;

std::filesystem::path batches_dir(const std::string& dir) {
  std::filesystem::path nested = std::filesystem::path(dir) / "cifar-10-batches-bin";
  std::error_code ignored;
  if (std::filesystem::is_directory(nested, ignored)) return nested;
  return dir;
}

std::vector<std::string> class_names_from(const std::filesystem::path& dir) {
  std::ifstream meta(dir / "batches.meta.txt");
  if (!meta) return cifar10_class_names();
  std::vector<std::string> names;
  for (std::string line; std::getline(meta, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != kClasses)
    throw Error(
        cat((dir / "batches.meta.txt").string(), ": lists ", names.size(), " class names, CIFAR-10 has ", kClasses));
  return names;
}

void append_batch(const std::string& path, Dataset& ds) {
  FileStream in(path);
  std::string bytes = in.read_rest();
  const auto size = static_cast<int64_t>(bytes.size());
  if (size == 0 || size % kRecordBytes != 0)
    throw Error(cat(path, ": ", size, " bytes is not a whole number of ", kRecordBytes,
                    "-byte CIFAR-10 records (truncated or not a CIFAR-10 batch)"));
  const int64_t records = size / kRecordBytes;
  const size_t first_pixel = ds.pixels.size();
  ds.pixels.resize(first_pixel + static_cast<size_t>(records * kPixelBytes));
  for (int64_t r = 0; r < records; ++r) {
    const char* record = bytes.data() + r * kRecordBytes;
    const auto label = static_cast<uint8_t>(record[0]);
    if (label >= kClasses)
      throw Error(cat(path, ": record ", r, " has label ", int{label}, ", outside 0..9 (not a CIFAR-10 batch?)"));
    ds.labels.push_back(label);
    std::memcpy(ds.pixels.data() + first_pixel + r * kPixelBytes, record + 1, kPixelBytes);
  }
  ds.count += records;
}

std::string batch_path(const std::filesystem::path& dir, const std::string& name) {
  for (const char* suffix : {"", ".gz"}) {
    std::filesystem::path p = dir / (name + suffix);
    std::error_code ignored;
    if (std::filesystem::is_regular_file(p, ignored)) return p.string();
  }
  throw Error(cat("no CIFAR-10 batch ", name, " in ", dir.string()));
}
}  // namespace

Dataset load_cifar10_binary(const std::string& dir, std::string_view split) {
  std::vector<std::string> files;
  if (split == "train") {
    for (int i = 1; i <= 5; ++i) files.push_back("data_batch_" + std::to_string(i) + ".bin");
  } else if (split == "test") {
    files.push_back("test_batch.bin");
  } else {
    throw Error(cat("unknown CIFAR-10 split '", split, "' (expected train or test)"));
  }
  const std::filesystem::path root = batches_dir(dir);
  Dataset ds;
  ds.source = root.string();
  ds.sample_shape = Shape{3, kSide, kSide};
  ds.num_classes = kClasses;
  ds.class_names = class_names_from(root);
  for (const std::string& name : files) append_batch(batch_path(root, name), ds);
  ds.check();
  return ds;
}

bool looks_like_cifar10_binary(const std::string& dir) {
  std::error_code ignored;
  return std::filesystem::is_regular_file(batches_dir(dir) / "data_batch_1.bin", ignored);
}

}  // namespace graphc::runtime::data
