// The optimizer's update on the GPU, so that the parameters, their
// gradients and the optimizer's state stay in device memory between steps:
// one launch of the module's graphc_update kernel per step over the
// executor's device copy of the updated parameters, with the arithmetic of
// the host's loops (runtime/optim/update_math.h) and so the host's bits.
// With clipping, two launches first compute the gradient norm over a fixed
// grid (the same bits whatever the GPU) and the scale the update applies.
//
// The host Optimizer still counts the steps and computes each step's
// scalars (Optimizer::next_step); its state buffers are copied to and from
// the device only when the trainer asks (load/store: resume, checkpoints).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "runtime/cuda/device_session.h"
#include "runtime/optim/optimizer.h"

namespace graphc::runtime::cuda {

class DeviceOptimizer {
 public:
  // `updated` is how many leading values the optimizer updates
  // (ParameterStore::updated_size()). Throws graphc::Error when the module
  // lacks the kernels (a trainer built by an older graphc).
  DeviceOptimizer(const DeviceSession& session, size_t updated);

  // The optimizer's state to the device, its buffers allocated on first use.
  void load(Optimizer& optimizer);
  // The device's state into the optimizer's buffers (waits for the stream).
  void store(Optimizer& optimizer) const;

  // One update of the `updated` values at `values` from the gradients at
  // `gradients`, queued on the session's stream. When max_norm > 0 the
  // gradients are first clipped to that 2-norm: the norm is read back
  // (waiting for the stream) and returned; when it is not finite nothing is
  // updated and the step is not counted, for the caller to report.
  std::optional<double> step(Optimizer& optimizer, double lr, double max_norm, CUdeviceptr values,
                             CUdeviceptr gradients);

 private:
  double clip_scale(double max_norm, CUdeviceptr gradients);

  const DeviceSession& session_;
  size_t updated_;
  CUfunction update_, sumsq_, norm_;
  std::vector<DeviceMemory> state_;  // the optimizer's state buffers, in its order
  DeviceMemory norm_work_;           // graphc_norm_blocks partials, the norm, the scale
};

}  // namespace graphc::runtime::cuda
