// A data set held in memory, in the form the batch assembler reads: one
// contiguous buffer of samples (raw uint8 pixels for images, so 60,000 MNIST
// images cost 47 MB rather than 188 MB of floats; float features for CSV) and
// one of labels (class indices) or regression targets. Every loader produces
// this, so sampling, batching and augmentation never care where data came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/shape.h"

namespace graphc::runtime::data {

struct Dataset {
  std::string source;  // the file or directory it came from, for messages
  int64_t count = 0;   // number of samples
  Shape sample_shape;  // one sample: [C,H,W] for images, [F] for features

  // Exactly one of these holds count * sample_numel() values, sample-major.
  std::vector<uint8_t> pixels;  // images, 0..255, each sample CHW
  std::vector<float> features;  // numeric features

  // Classification: labels[i] in [0, num_classes), class_names[c] names class c.
  std::vector<int32_t> labels;
  int64_t num_classes = 0;
  std::vector<std::string> class_names;

  // Regression: targets[i * target_count + k].
  std::vector<float> targets;
  int64_t target_count = 0;

  // Column names from a CSV header (features then targets), when there was one.
  std::vector<std::string> column_names;

  int64_t sample_numel() const { return sample_shape.static_numel(); }
  bool has_pixels() const { return !pixels.empty(); }
  bool is_classification() const { return num_classes > 0; }

  // Throws graphc::Error (naming `source`) when the buffers disagree with
  // count and sample_shape, or a label is outside [0, num_classes).
  void check() const;
};

// The classes of CIFAR-10 in label order 0..9.
const std::vector<std::string>& cifar10_class_names();
// The digits "0".."9", MNIST's class names.
std::vector<std::string> digit_class_names();

}  // namespace graphc::runtime::data
