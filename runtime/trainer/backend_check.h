// `--check-against DEVICE`: one training step and one eval step of --device
// and of DEVICE (usually the reference interpreter) from the same initial
// parameters, on the run's first training batch with the run's dropout seed,
// compared output by output: the loss, #correct, every gradient, every state
// update (batch-norm running statistics) and the logits. This is how a
// backend is verified on the machine it runs on (the GPU machine has no
// compiler or test toolchain, only the trainers): every number is compared
// against the oracle on real data, by the executable that will train.
//
// A tensor agrees when its largest difference is at most `tolerance` times
// its scale (the largest magnitude of the reference tensor, at least 0.01:
// an early layer's gradient can be a tiny sum of cancelling terms whose
// rounding follows the terms, not the sum); #correct may differ
// by one sample, since a prediction whose top two logits tie within f32
// rounding can go either way on any backend.
#pragma once

#include <ostream>

#include "runtime/program.h"
#include "runtime/trainer/executor.h"
#include "runtime/trainer/trainer_options.h"

namespace graphc::runtime {

// Prints one line per compared tensor and a verdict; returns whether every
// tensor agreed. Throws graphc::Error when the data or either device cannot
// be set up.
bool check_backend(const Program& program, const TrainerOptions& options, std::ostream& out, const LinkedCode& code);

}  // namespace graphc::runtime
