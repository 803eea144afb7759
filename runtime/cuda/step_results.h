// The loss and #correct of queued training steps, collected on the device:
// each step copies its two scalars into a slot of a small device buffer
// (a copy on the stream, no wait), and one download brings back every
// queued step's results when the training loop asks for them
// (Executor::finished_steps), so the host waits for the GPU once every few
// steps instead of once a step.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "runtime/bound_plan.h"
#include "runtime/cuda/device_session.h"

namespace graphc::runtime::cuda {

class StepResults {
 public:
  // Room for `capacity` queued steps of graph `g`.
  StepResults(const DeviceSession& session, const BoundGraphPlan& g, int capacity);

  // Queues the copies of the step's results, `address(i)` being where
  // output i of the graph is on the device.
  void record(const std::function<CUdeviceptr(size_t output)>& address);
  // Every recorded step's results, in order (waits for the stream).
  std::vector<StepResult> collect();

 private:
  struct Scalar {
    size_t output = 0;
    bool present = false;   // the graph has the output
    bool constant = false;  // folded by the compiler: `value`
    double value = 0;
    DType dtype = DType::f32;
  };
  Scalar scalar(const BoundGraphPlan& g, const char* name) const;

  static constexpr size_t kSlotBytes = 8;  // any scalar dtype
  const DeviceSession& session_;
  int capacity_;
  Scalar loss_, correct_;
  DeviceMemory slots_;  // per step: the loss, then #correct
  int recorded_ = 0;
};

}  // namespace graphc::runtime::cuda
