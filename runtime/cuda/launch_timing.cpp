// See launch_timing.h.
#include "runtime/cuda/launch_timing.h"

#include "ir/error.h"

namespace graphc::runtime::cuda {

void GraphTiming::record(CUstream stream) {
  events_.emplace_back(driver_);
  GRAPHC_CU_CHECK(driver_, cuEventRecordWithFlags(events_.back().get(), stream, kEventRecordExternal));
}

void GraphTiming::mark(CUstream stream, KernelProfile::Piece next) {
  record(stream);
  pieces_.push_back(next);
}

void GraphTiming::end(CUstream stream) { record(stream); }

void GraphTiming::collect(KernelProfile& profile) const {
  GRAPHC_ASSERT(events_.size() == pieces_.size() + 1, "a timed graph with ", pieces_.size(), " pieces and ",
                events_.size(), " events");
  for (size_t i = 0; i < pieces_.size(); ++i) profile.add(pieces_[i], events_[i + 1].since(events_[i]) * 1e-3);
}

void SpanTiming::start(CUstream stream) const { GRAPHC_CU_CHECK(driver_, cuEventRecord(start_.get(), stream)); }

void SpanTiming::stop(CUstream stream) const { GRAPHC_CU_CHECK(driver_, cuEventRecord(stop_.get(), stream)); }

void SpanTiming::collect(KernelProfile& profile) const { profile.add(piece_, stop_.since(start_) * 1e-3); }

}  // namespace graphc::runtime::cuda
