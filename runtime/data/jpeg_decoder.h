// JPEG decoding through libjpeg(-turbo). libjpeg's default error handler
// calls exit(); this decoder installs one that returns control with the
// library's message, so a corrupt image becomes a graphc::Error naming the
// file. Warnings (e.g. "premature end of data", how a truncated file shows)
// are errors too: a damaged training image should stop the run, not train.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/data/image_shape.h"

namespace graphc::runtime::data {

struct JpegState;  // libjpeg's decompressor and error state, defined in the .cpp

// One per thread: it keeps libjpeg's decompressor between images, which
// saves its setup on each of tens of thousands of small images.
class JpegDecoder {
 public:
  JpegDecoder();
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Decodes `bytes` into chw (resized to fit). wanted_channels: 1 (grey) or 3
  // (RGB) converts; 0 keeps the file's own (1 for greyscale JPEGs, else 3).
  // `name` is the file named in the error message.
  ImageShape decode(std::string_view bytes, int wanted_channels, std::vector<uint8_t>& chw, const std::string& name);

 private:
  JpegState* state_;
};

}  // namespace graphc::runtime::data
