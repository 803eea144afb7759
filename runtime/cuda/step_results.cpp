// See step_results.h.
#include "runtime/cuda/step_results.h"

#include "ir/error.h"

namespace graphc::runtime::cuda {

StepResults::StepResults(const DeviceSession& session, const BoundGraphPlan& g, int capacity)
    : session_(session), capacity_(capacity), loss_(scalar(g, "loss")), correct_(scalar(g, "correct")),
      slots_(session.driver(), static_cast<size_t>(capacity) * 2 * kSlotBytes, "the steps' losses") {}

StepResults::Scalar StepResults::scalar(const BoundGraphPlan& g, const char* name) const {
  Scalar s;
  if (!g.has_output(name)) return s;
  s.present = true;
  s.output = g.output_index(name);
  const BoundRef& r = g.output(s.output);
  s.constant = r.storage == Storage::constant;
  s.value = r.value;
  s.dtype = g.graph().type(g.graph().outputs()[s.output].value).dtype;
  GRAPHC_ASSERT(dtype_size(s.dtype) <= kSlotBytes, "output '", name, "' is not a scalar of at most 8 bytes");
  return s;
}

void StepResults::record(const std::function<CUdeviceptr(size_t output)>& address) {
  GRAPHC_ASSERT(recorded_ < capacity_, "more than ", capacity_, " steps queued without their results collected");
  const CUdeviceptr slot = slots_.address() + static_cast<CUdeviceptr>(recorded_) * 2 * kSlotBytes;
  for (const auto& [s, at] : {std::pair{&loss_, slot}, std::pair{&correct_, slot + kSlotBytes}})
    if (s->present && !s->constant)
      GRAPHC_CU_CHECK(session_.driver(), cuMemcpyDtoDAsync_v2(at, address(s->output), dtype_size(s->dtype),
                                                              session_.stream()));
  ++recorded_;
}

std::vector<StepResult> StepResults::collect() {
  std::vector<unsigned char> bytes(static_cast<size_t>(recorded_) * 2 * kSlotBytes);
  if (!bytes.empty())
    GRAPHC_CU_CHECK(session_.driver(),
                    cuMemcpyDtoHAsync_v2(bytes.data(), slots_.address(), bytes.size(), session_.stream()));
  GRAPHC_CU_CHECK(session_.driver(), cuStreamSynchronize(session_.stream()));
  const auto value = [&](const Scalar& s, const unsigned char* at) {
    return s.constant ? s.value : read_element(at, s.dtype, 0);
  };
  std::vector<StepResult> results(static_cast<size_t>(recorded_));
  for (int i = 0; i < recorded_; ++i) {
    const unsigned char* at = bytes.data() + static_cast<size_t>(i) * 2 * kSlotBytes;
    results[static_cast<size_t>(i)].loss = value(loss_, at);
    if (correct_.present) results[static_cast<size_t>(i)].correct = value(correct_, at + kSlotBytes);
  }
  recorded_ = 0;
  return results;
}

}  // namespace graphc::runtime::cuda
