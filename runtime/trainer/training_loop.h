// The training run: initialise (or resume, or start from other weights),
// then per epoch: shuffled batches from the background loader, one step of
// the training graph per batch, the optimizer update over the flat buffers,
// checkpoints; validation after each epoch; the final evaluation on the test
// set. Everything a step depends on is a function of (seed, step, epoch,
// position in the epoch), which is why a resumed run on the CPU ends with
// the very same bits as an uninterrupted one.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <vector>

#include "runtime/program.h"
#include "runtime/trainer/checkpoint.h"
#include "runtime/trainer/evaluation.h"
#include "runtime/trainer/metrics_log.h"
#include "runtime/trainer/parameter_store.h"
#include "runtime/trainer/trainer_options.h"

#include "runtime/trainer/executor.h"

namespace graphc::runtime {

struct TrainerHooks {
  // Called after every step, once its update and any checkpoint are done;
  // returning true ends the run right there, as a crash or a kill would
  // (no validation, no final report). Tests interrupt runs with it.
  std::function<bool(const RunPosition&)> stop_after_step;
};

struct TrainingOutcome {
  bool interrupted = false;  // a hook stopped the run
  RunPosition position;      // where the run ended
  std::vector<EpochMetrics> epochs;
  std::optional<FinalMetrics> final_metrics;
  std::optional<ConfusionMatrix> confusion;
  std::optional<ParameterStore> parameters;  // the final values
};

// The dropout seed fed to step `step` (0-based) of a run seeded with
// `seed`: Philox of (seed, step), cut to 53 bits so every executor (the
// interpreter holds values as doubles) feeds the same integer.
uint64_t step_seed(uint64_t seed, int64_t step);

// Runs the training the options describe, printing progress and results to
// `out` (a bar when `terminal`). Throws graphc::Error for anything that
// stops the run: data problems, a checkpoint that does not fit, a NaN or
// infinite loss ("loss is nan at step S (epoch E)", 1-based).
// `code` is the compiled code linked beside the program (make_executor).
TrainingOutcome train(const Program& program, const TrainerOptions& options, std::ostream& out, bool terminal,
                      const TrainerHooks& hooks = {}, const LinkedCode& code = {});

}  // namespace graphc::runtime
