// See launch_timing.h.
#include "runtime/cuda/launch_timing.h"

#include "ir/error.h"

namespace graphc::runtime::cuda {

GraphTiming::GraphTiming(const CudaDriver& driver, size_t marks) : driver_(driver) {
  for (size_t i = 0; i <= marks; ++i) events_.emplace_back(driver);
}

void GraphTiming::record(CUstream stream) {
  GRAPHC_ASSERT(recorded_ < events_.size(), "a timed graph with more than ", events_.size() - 1, " marks");
  GRAPHC_CU_CHECK(driver_, cuEventRecordWithFlags(events_[recorded_++].get(), stream, kEventRecordExternal));
}

void GraphTiming::mark(CUstream stream, KernelProfile::Piece next) {
  record(stream);
  pieces_.push_back(next);
}

void GraphTiming::end(CUstream stream) { record(stream); }

void GraphTiming::collect(KernelProfile& profile) const {
  GRAPHC_ASSERT(recorded_ == pieces_.size() + 1, "a timed graph with ", pieces_.size(), " pieces and ", recorded_,
                " events");
  for (size_t i = 0; i < pieces_.size(); ++i) profile.add(pieces_[i], events_[i + 1].since(events_[i]) * 1e-3);
}

void SpanTiming::start(CUstream stream) const { GRAPHC_CU_CHECK(driver_, cuEventRecord(start_.get(), stream)); }

void SpanTiming::stop(CUstream stream) const { GRAPHC_CU_CHECK(driver_, cuEventRecord(stop_.get(), stream)); }

void SpanTiming::collect(KernelProfile& profile) const { profile.add(piece_, stop_.since(start_) * 1e-3); }

}  // namespace graphc::runtime::cuda
