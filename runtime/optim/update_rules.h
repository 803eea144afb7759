// The per-element update rules of torch.optim, each one pass over a flat
// parameter buffer, its gradient and its state. They are free functions on
// spans so that every executor (and its tests) can share one definition; the
// Optimizer class only owns the state and counts steps.
//
// Arithmetic is f32 per element, as PyTorch does it for f32 parameters; the
// per-step scalars (bias corrections, decay factors) are computed in double
// first, as PyTorch computes them in Python floats. Every element's update
// depends only on that element, so results do not depend on threading.
#pragma once

#include <cstdint>
#include <span>

namespace graphc::runtime {

// torch.optim.SGD without momentum:  d = g + wd*p;  p -= lr*d.
void sgd_update(std::span<float> params, std::span<const float> grads, double lr, double weight_decay);

// torch.optim.SGD with momentum mu and dampening 0:
//   d = g + wd*p;  buf = mu*buf + d;  p -= lr * (nesterov ? d + mu*buf : buf).
// PyTorch starts buf at d on the first step; a zero-initialised buf gives
// exactly that, so there is no first-step special case.
void momentum_update(std::span<float> params, std::span<const float> grads, std::span<float> momentum_buffer, double lr,
                     double momentum, double weight_decay, bool nesterov);

struct AdamHyper {
  double lr;
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  bool decoupled;  // AdamW: p *= 1 - lr*wd before the update, no L2 term
  int64_t step;    // 1 on the first update (bias correction)
};

// torch.optim.Adam / AdamW (amsgrad off):
//   p *= 1 - lr*wd                    (AdamW only)
//   d = g + wd*p                      (Adam only)
//   m = b1*m + (1-b1)*d;  v = b2*v + (1-b2)*d*d
//   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
void adam_update(std::span<float> params, std::span<const float> grads, std::span<float> exp_avg,
                 std::span<float> exp_avg_sq, const AdamHyper& h);

}  // namespace graphc::runtime
