// See upload_ring.h.
#include "runtime/cuda/upload_ring.h"

#include <algorithm>
#include <cstring>

#include "ir/error.h"

namespace graphc::runtime::cuda {

namespace {
constexpr size_t kAlign = 64;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }
}  // namespace

UploadRing::UploadRing(const CudaDriver& driver, CUstream stream, size_t slot_bytes, int depth)
    : driver_(driver), stream_(stream), slots_(static_cast<size_t>(std::max(depth, 1)), nullptr) {
  allocate(aligned(std::max<size_t>(slot_bytes, kAlign)));
}

UploadRing::~UploadRing() { release(); }

void UploadRing::allocate(size_t slot_bytes) {
  release();
  slot_bytes_ = slot_bytes;
  for (unsigned char*& slot : slots_) {
    void* p = nullptr;
    const CUresult r = driver_.api.cuMemAllocHost_v2(&p, slot_bytes);
    if (r != kCudaSuccess) {
      release();
      throw Error(cat("cannot allocate ", slot_bytes, " bytes of pinned host memory for uploads: ", driver_.describe(r)));
    }
    slot = static_cast<unsigned char*>(p);
  }
}

void UploadRing::release() {
  for (unsigned char*& slot : slots_) {
    if (slot != nullptr) driver_.api.cuMemFreeHost(slot);
    slot = nullptr;
  }
}

void UploadRing::upload(CUdeviceptr device, const void* host, size_t bytes) {
  if (bytes == 0) return;
  if (used_ + aligned(bytes) > slot_bytes_) {
    // Every slot may still be read by queued copies: wait for them, then grow.
    // This step's earlier uploads have run by then, so its slot starts afresh.
    GRAPHC_CU_CHECK(driver_, cuStreamSynchronize(stream_));
    if (aligned(bytes) > slot_bytes_) allocate(std::max(2 * slot_bytes_, aligned(bytes)));
    used_ = 0;
  }
  unsigned char* at = slots_[current_] + used_;
  std::memcpy(at, host, bytes);
  used_ += aligned(bytes);
  GRAPHC_CU_CHECK(driver_, cuMemcpyHtoDAsync_v2(device, at, bytes, stream_));
}

void UploadRing::next_step() {
  current_ = (current_ + 1) % slots_.size();
  used_ = 0;
}

}  // namespace graphc::runtime::cuda
