// The update rules of torch.optim as passes over a flat parameter buffer,
// its gradient and its state. The per-element arithmetic is
// runtime/optim/update_math.h, shared with the CUDA update kernel; this is
// where the host computes a step's scalars and runs the host loops. The
// Optimizer class only owns the state and counts steps.
//
// Arithmetic is f32 per element, as PyTorch does it for f32 parameters; the
// per-step scalars (bias corrections, decay factors) are computed in double
// first, as PyTorch computes them in Python floats. Every element's update
// depends only on that element, so results do not depend on threading.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/optim/optimizer_config.h"
#include "runtime/optim/update_math.h"

namespace graphc::runtime {

// The scalars of update number `step` (1 on the first: Adam's bias
// correction) of `config` at learning rate `lr` (the schedule's value).
graphc_update_scalars update_scalars(const OptimizerConfig& config, double lr, int64_t step);

// How many state buffers a rule keeps: 0 (sgd), 1 (momentum_buffer) or 2
// (exp_avg, exp_avg_sq).
int update_state_buffers(const graphc_update_scalars& s);

// One update on the host. `state0` and `state1` are the rule's state
// buffers in the order above (empty when it has fewer).
void apply_update(const graphc_update_scalars& s, std::span<float> params, std::span<const float> grads,
                  std::span<float> state0, std::span<float> state1);

}  // namespace graphc::runtime
