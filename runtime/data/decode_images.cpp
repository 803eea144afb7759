// Work is handed out in chunks from one atomic counter in increasing order,
// and a thread works through a chunk it claimed up to its first failure; so
// when some image fails, every image before it has been tried, and the lowest
// failing index is the one reported whatever the timing.
#include "runtime/data/decode_images.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "ir/error.h"
#include "runtime/data/jpeg_decoder.h"
#include "runtime/data/png_decoder.h"
#include "runtime/file_io.h"

namespace graphc::runtime::data {
namespace {
constexpr size_t kChunk = 64;

ImageShape decode_one(JpegDecoder& jpeg, EncodedImage& image, int wanted_channels, std::vector<uint8_t>& chw) {
  if (image.bytes.empty() && !image.path.empty()) image.bytes = read_file(image.path);
  if (image.bytes.empty()) throw Error(cat(image.name, ": empty image file"));
  ImageShape shape = has_png_signature(image.bytes) ? decode_png(image.bytes, wanted_channels, chw, image.name)
                                                    : jpeg.decode(image.bytes, wanted_channels, chw, image.name);
  std::string().swap(image.bytes);  // the encoded copy is no longer needed
  return shape;
}

// The first failure in sample order, across threads.
class FirstFailure {
 public:
  void record(size_t index, std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index < index_) {
      index_ = index;
      error_ = std::move(error);
    }
    failed_.store(true, std::memory_order_relaxed);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  size_t index_ = std::numeric_limits<size_t>::max();
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};
}  // namespace

void decode_images(std::vector<EncodedImage>& images, Dataset& ds, int threads) {
  GRAPHC_ASSERT(!images.empty(), "decode_images without images");
  JpegDecoder first_decoder;
  std::vector<uint8_t> first_chw;
  const ImageShape first = decode_one(first_decoder, images[0], 0, first_chw);
  const auto numel = static_cast<size_t>(first.numel());

  ds.count = static_cast<int64_t>(images.size());
  ds.sample_shape = Shape{first.channels, first.height, first.width};
  ds.pixels.assign(images.size() * numel, 0);
  ds.labels.resize(images.size());
  std::memcpy(ds.pixels.data(), first_chw.data(), numel);
  for (size_t i = 0; i < images.size(); ++i) ds.labels[i] = images[i].label;

  std::atomic<size_t> next_chunk{1};
  FirstFailure failure;
  auto worker = [&] {
    JpegDecoder jpeg;
    std::vector<uint8_t> chw;
    while (!failure.failed()) {
      const size_t begin = next_chunk.fetch_add(kChunk);
      if (begin >= images.size()) return;
      const size_t end = std::min(begin + kChunk, images.size());
      for (size_t i = begin; i < end; ++i) {
        try {
          const ImageShape shape = decode_one(jpeg, images[i], first.channels, chw);
          if (!(shape == first))
            throw Error(cat(images[i].name, ": image is ", shape.str(),
                            " (channels x height x width) but the first image ", images[0].name, " is ", first.str(),
                            "; all images of a data set must have one size"));
          std::memcpy(ds.pixels.data() + i * numel, chw.data(), numel);
        } catch (...) {
          failure.record(i, std::current_exception());
          break;
        }
      }
    }
  };

  unsigned count = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
  count = static_cast<unsigned>(std::min<size_t>(count, (images.size() + kChunk - 1) / kChunk));
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < count; ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins
  failure.rethrow();
}

}  // namespace graphc::runtime::data
