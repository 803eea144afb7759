// Device-side timing of the CUDA executor's work for a profile (the
// trainers' --profile). A captured step gets an event record node before
// each of its pieces and one after the last (cuEventRecordWithFlags with
// the external flag, the only way a capture records an event), so every
// replay of the graph stamps when the device reached each piece, and the
// difference of neighbours is that piece's time in the replayed graph,
// gaps between its nodes included. Work outside the graphs (uploads, the
// update) is timed with a pair of events around it. Times are read after
// the work has finished: the executor waits for each step while profiling.
#pragma once

#include <vector>

#include "runtime/cuda/device_session.h"
#include "runtime/trainer/kernel_profile.h"

namespace graphc::runtime::cuda {

class GraphTiming {
 public:
  // Events for up to `marks` marks and the end, made here: before the
  // capture, which is no place for calls that are not stream work.
  GraphTiming(const CudaDriver& driver, size_t marks);
  // While `stream` captures: the pieces recorded after this mark are `next`'s.
  void mark(CUstream stream, KernelProfile::Piece next);
  // While `stream` captures, after the last piece.
  void end(CUstream stream);
  // After a replay has finished: each piece's time into `profile`.
  void collect(KernelProfile& profile) const;

 private:
  void record(CUstream stream);
  const CudaDriver& driver_;
  std::vector<DeviceEvent> events_;
  size_t recorded_ = 0;                        // one more than pieces_ once ended
  std::vector<KernelProfile::Piece> pieces_;
};

// One piece of work queued on a stream outside a capture, between start() and stop().
class SpanTiming {
 public:
  SpanTiming(const CudaDriver& driver, KernelProfile::Piece piece)
      : driver_(driver), start_(driver), stop_(driver), piece_(piece) {}
  void start(CUstream stream) const;
  void stop(CUstream stream) const;
  // After the stream has passed stop(): the span into `profile`.
  void collect(KernelProfile& profile) const;

 private:
  const CudaDriver& driver_;
  DeviceEvent start_, stop_;
  KernelProfile::Piece piece_;
};

}  // namespace graphc::runtime::cuda
