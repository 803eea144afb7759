// See device_pixels.h.
#include "runtime/cuda/device_pixels.h"

#include <algorithm>
#include <cstring>

#include "ir/error.h"
#include "runtime/cuda/device_kernels.h"

namespace graphc::runtime::cuda {

namespace {

constexpr unsigned kThreads = 256;

// The staging layout: indices u32[max_batch], draws i32[3 * max_batch],
// then the tables f32[channels][256], each part 16-byte aligned.
size_t aligned(size_t bytes) { return (bytes + 15) / 16 * 16; }
size_t draws_offset(int64_t max_batch) { return aligned(static_cast<size_t>(max_batch) * sizeof(uint32_t)); }
size_t tables_offset(int64_t max_batch) {
  return draws_offset(max_batch) + aligned(static_cast<size_t>(max_batch) * 3 * sizeof(int32_t));
}

}  // namespace

DevicePixels::DevicePixels(const DeviceSession& session, int64_t max_batch)
    : session_(session), max_batch_(max_batch), kernel_(session.function(kPixelsKernel.name)) {}

bool DevicePixels::hold(const data::Dataset& ds) {
  if (held_.count(&ds) != 0) return true;
  if (!ds.has_pixels()) return false;
  size_t free_bytes = 0, total_bytes = 0;
  GRAPHC_CU_CHECK(session_.driver(), cuMemGetInfo_v2(&free_bytes, &total_bytes));
  if (ds.pixels.size() > free_bytes / 2) return false;
  DeviceMemory pixels(session_.driver(), ds.pixels.size(), cat("the pixels of ", ds.source));
  GRAPHC_CU_CHECK(session_.driver(), cuMemcpyHtoD_v2(pixels.address(), ds.pixels.data(), ds.pixels.size()));
  held_.emplace(&ds, std::move(pixels));
  // Room for the tables of the widest data set held.
  const size_t bytes = tables_offset(max_batch_) + aligned(static_cast<size_t>(ds.sample_shape[0]) * 256 * sizeof(float));
  if (bytes > staging_.bytes()) {
    staging_ = DeviceMemory(session_.driver(), bytes, "a batch's sample indices");
    host_staging_.assign(bytes, 0);
  }
  return true;
}

void DevicePixels::build(const data::Batch& batch, CUdeviceptr into, UploadRing& uploads) {
  const data::PixelRecipe& recipe = *batch.pixel_recipe;
  const data::Dataset& ds = *recipe.dataset;
  const auto it = held_.find(&ds);
  GRAPHC_ASSERT(it != held_.end(), "a deferred batch of ", ds.source, ", which the device does not hold");
  const int64_t n = batch.size();
  GRAPHC_ASSERT(n >= 1 && n <= max_batch_, "batch of ", n, " for a device staging area of ", max_batch_);
  const bool augmented = !batch.draws.empty();
  GRAPHC_ASSERT(!augmented || static_cast<int64_t>(batch.draws.size()) == n, "draws for ", batch.draws.size(),
                " of ", n, " samples");

  unsigned char* host = host_staging_.data();
  std::memcpy(host, batch.indices.data(), static_cast<size_t>(n) * sizeof(uint32_t));
  auto* draws = reinterpret_cast<int32_t*>(host + draws_offset(max_batch_));
  for (int64_t r = 0; augmented && r < n; ++r) {
    const data::AugmentDraw& d = batch.draws[static_cast<size_t>(r)];
    draws[3 * r] = static_cast<int32_t>(d.offset_y);
    draws[3 * r + 1] = static_cast<int32_t>(d.offset_x);
    draws[3 * r + 2] = d.flip ? 1 : 0;
  }
  const size_t tables_at = tables_offset(max_batch_);
  for (size_t c = 0; c < recipe.tables.size(); ++c)
    std::memcpy(host + tables_at + c * 256 * sizeof(float), recipe.tables[c].data(), 256 * sizeof(float));
  const size_t used = tables_at + recipe.tables.size() * 256 * sizeof(float);
  uploads.upload(staging_.address(), host, used);

  const Shape& shape = ds.sample_shape;
  const int64_t channels = shape[0], plane = shape.static_numel() / channels;
  graphc_pixels_args a{};
  a.pixels = reinterpret_cast<const unsigned char*>(it->second.address());
  a.indices = reinterpret_cast<const unsigned int*>(staging_.address());
  a.draws = augmented ? reinterpret_cast<const int*>(staging_.address() + draws_offset(max_batch_)) : nullptr;
  a.tables = reinterpret_cast<const float*>(staging_.address() + tables_at);
  a.out = reinterpret_cast<float*>(into);
  a.n = n;
  a.channels = channels;
  a.height = shape.rank() == 3 ? shape[1] : 1;
  a.width = shape.rank() == 3 ? shape[2] : plane;
  a.padding = recipe.augmentation.crop_padding;
  a.reflect = recipe.augmentation.pad_mode == data::PadMode::reflect ? 1 : 0;
  void* params[] = {&a};
  session_.launch(kernel_, session_.grid_for(n * channels * plane, kThreads), kThreads, params);
}

}  // namespace graphc::runtime::cuda
