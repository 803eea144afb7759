// Pixel data sets held on the GPU, and the kernel that makes a batch's
// inputs from them (graphc_build_pixels, runtime/cuda/device_kernels.cu):
// the host's batch assembler then only samples, draws the augmentation and
// gathers labels (a deferred batch, runtime/data/batch.h), and a step
// uploads a few kilobytes (the indices, the draws, the channel tables)
// instead of the batch's floats. Crop, flip and normalisation run on the
// device with the host's formulas (runtime/data/augment_math.h, the same
// tables), so the inputs are the host's to the bit.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "runtime/cuda/device_session.h"
#include "runtime/cuda/upload_ring.h"
#include "runtime/data/batch.h"

namespace graphc::runtime::cuda {

class DevicePixels {
 public:
  // Throws graphc::Error when the module lacks the kernel (a trainer built
  // by an older graphc).
  DevicePixels(const DeviceSession& session, int64_t max_batch);

  // Copies the data set's pixels to the device, once per data set. False
  // (nothing held) for a data set without pixels or one that would take
  // more than half the free device memory: its batches are then made on the
  // host as before.
  bool hold(const data::Dataset& ds);

  // Queues the kernel writing the deferred batch's inputs, [B, C, H, W]
  // floats, at `into`, its indices, draws and tables uploaded through
  // `uploads`. The batch's data set must be held.
  void build(const data::Batch& batch, CUdeviceptr into, UploadRing& uploads);

 private:
  const DeviceSession& session_;
  int64_t max_batch_;
  CUfunction kernel_;
  std::map<const data::Dataset*, DeviceMemory> held_;
  DeviceMemory staging_;  // one batch's indices, draws and tables
  std::vector<unsigned char> host_staging_;
};

}  // namespace graphc::runtime::cuda
