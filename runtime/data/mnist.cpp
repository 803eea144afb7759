// Pairs the images file with the labels file of a split and checks that they
// describe the same samples before anything trains on them.
#include "runtime/data/mnist.h"

#include <filesystem>

#include "ir/error.h"
#include "runtime/data/idx.h"

namespace graphc::runtime::data {
namespace {
constexpr int kMnistClasses = 10;

// Both the canonical "-idx3-ubyte" and the common ".idx3-ubyte" spellings,
// raw or gzipped; "" when none is there.
std::string find_idx_file_or_empty(const std::string& dir, const std::string& prefix, const std::string& kind) {
  for (const std::string& name : {prefix + "-" + kind, prefix + "." + kind})
    for (const char* suffix : {"", ".gz"}) {
      std::filesystem::path p = std::filesystem::path(dir) / (name + suffix);
      std::error_code ignored;
      if (std::filesystem::is_regular_file(p, ignored)) return p.string();
    }
  return "";
}

std::string find_idx_file(const std::string& dir, const std::string& prefix, const std::string& kind) {
  std::string path = find_idx_file_or_empty(dir, prefix, kind);
  if (path.empty()) throw Error(cat("no MNIST file ", prefix, "-", kind, "[.gz] in ", dir));
  return path;
}

std::string file_prefix(std::string_view split) {
  if (split == "train") return "train";
  if (split == "test") return "t10k";
  throw Error(cat("unknown MNIST split '", split, "' (expected train or test)"));
}
}  // namespace

Dataset load_mnist(const std::string& dir, std::string_view split) {
  const std::string prefix = file_prefix(split);
  const std::string images_path = find_idx_file(dir, prefix, "images-idx3-ubyte");
  const std::string labels_path = find_idx_file(dir, prefix, "labels-idx1-ubyte");
  IdxArray images = read_idx_u8(images_path);
  IdxArray labels = read_idx_u8(labels_path);
  if (images.dims.size() != 3)
    throw Error(cat(images_path, ": images need 3 dimensions [count,rows,cols], the file has ", dims_str(images.dims)));
  if (labels.dims.size() != 1)
    throw Error(cat(labels_path, ": labels need 1 dimension [count], the file has ", dims_str(labels.dims)));
  if (images.dims[0] != labels.dims[0])
    throw Error(cat(labels_path, ": holds ", labels.dims[0], " labels but ", images_path, " holds ", images.dims[0],
                    " images"));

  Dataset ds;
  ds.source = images_path;
  ds.count = images.dims[0];
  ds.sample_shape = Shape{1, images.dims[1], images.dims[2]};
  ds.pixels = std::move(images.values);
  ds.num_classes = kMnistClasses;
  ds.class_names = digit_class_names();
  ds.labels.resize(labels.values.size());
  for (size_t i = 0; i < labels.values.size(); ++i) {
    if (labels.values[i] >= kMnistClasses)
      throw Error(cat(labels_path, ": label ", int{labels.values[i]}, " of sample ", i, " is outside 0..9"));
    ds.labels[i] = labels.values[i];
  }
  ds.check();
  return ds;
}

bool looks_like_mnist(const std::string& dir) {
  return !find_idx_file_or_empty(dir, "train", "images-idx3-ubyte").empty();
}

}  // namespace graphc::runtime::data
