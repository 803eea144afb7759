// Pinned host memory that a step's small uploads (labels, the dropout
// seed, a deferred batch's indices and draws, inputs made on the host) go
// through, so that queued steps do not wait for each other: the driver
// reads pinned memory when the copy runs rather than when it is queued
// (from pageable memory it may first wait for the stream), so each of the
// `depth` steps in flight has a slot of its own, reused round-robin. The
// caller waits for the stream at least once every `depth` steps
// (Executor::queue_depth), which is what frees a slot for reuse.
#pragma once

#include <cstddef>
#include <vector>

#include "runtime/cuda/cuda_driver.h"

namespace graphc::runtime::cuda {

class UploadRing {
 public:
  // `slot_bytes` is a first guess; a step that needs more waits for the
  // stream once and grows every slot.
  UploadRing(const CudaDriver& driver, CUstream stream, size_t slot_bytes, int depth);
  UploadRing(const UploadRing&) = delete;
  UploadRing& operator=(const UploadRing&) = delete;
  ~UploadRing();

  // Copies `bytes` from `host` into the current step's slot and queues the
  // upload from there to `device`.
  void upload(CUdeviceptr device, const void* host, size_t bytes);
  // The next step's uploads go to the next slot.
  void next_step();

 private:
  void allocate(size_t slot_bytes);
  void release();

  const CudaDriver& driver_;
  CUstream stream_;
  size_t slot_bytes_ = 0;
  std::vector<unsigned char*> slots_;
  size_t current_ = 0;  // the slot of this step
  size_t used_ = 0;     // its bytes taken
};

}  // namespace graphc::runtime::cuda
