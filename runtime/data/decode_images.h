// Decoding a whole image data set on all cores. Each thread keeps its own
// JPEG decoder and writes straight into the data set's pixel buffer, so the
// result does not depend on the thread count, and neither does the error
// reported: it is always the failing image that comes first in sample order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

// An image still encoded (JPEG or PNG, told apart by their signatures):
// either its bytes, or when those are empty the file at `path` to read.
struct EncodedImage {
  std::string name;  // for messages: the file, or "archive:member"
  std::string bytes;
  std::string path;
  int32_t label = 0;
};

// Fills ds.pixels, ds.labels, ds.count and ds.sample_shape ([C,H,W] of the
// first image; C is 1 for greyscale files, else 3). Frees each image's bytes
// once decoded. threads: 0 = hardware_concurrency.
void decode_images(std::vector<EncodedImage>& images, Dataset& ds, int threads);

}  // namespace graphc::runtime::data
