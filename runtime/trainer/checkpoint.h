// Training checkpoints: everything the next step depends on, in one
// safetensors file that PyTorch can open (safetensors.torch.load_file):
//
//   <param name>               F32, the parameter's shape: every parameter
//                              under its state_dict name, batch-norm running
//                              statistics and frozen parameters included
//   optim.<state>.<param name> F32, the parameter's shape: the optimizer's
//                              per-parameter state as torch.optim names it
//                              ("momentum_buffer", "exp_avg", "exp_avg_sq"),
//                              for each parameter the optimizer updates
//   __metadata__               format, version, model, fingerprint (of the
//                              program), optimizer, optimizer_steps, seed,
//                              epoch, epoch_step, step, data_cursor,
//                              data_order (hash of the epoch's sample order),
//                              train_samples, and the epoch's running sums
//                              (epoch_loss_sum, epoch_correct, epoch_samples)
//
// The epoch's sample order is not stored: it is a function of (seed, epoch)
// and is recomputed on resume, then checked against data_order, so a resumed
// run continues from the exact sample. Files are written atomically.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/checkpoint/safetensors.h"
#include "runtime/optim/optimizer.h"
#include "runtime/program.h"
#include "runtime/trainer/parameter_store.h"

namespace graphc::runtime {

// Where a run stands between two steps.
struct RunPosition {
  int64_t epoch = 0;          // the epoch in progress, 0-based (== epochs once done)
  int64_t epoch_step = 0;     // steps done in that epoch
  int64_t step = 0;           // steps done in the whole run
  uint64_t data_cursor = 0;   // samples of the epoch's order consumed
  uint64_t data_order = 0;    // order_hash() of the epoch's order
  int64_t train_samples = 0;  // size of the training split
  // The epoch's sums so far, so that a resumed epoch reports the train loss
  // an uninterrupted one would.
  double epoch_loss_sum = 0;  // sum of batch loss * batch size
  double epoch_correct = 0;
  int64_t epoch_samples = 0;
  bool operator==(const RunPosition&) const = default;
};

// FNV-1a over the indices' little-endian bytes.
uint64_t order_hash(std::span<const uint32_t> order);

// What a checkpoint records of the program that wrote it. Fingerprinting
// serializes the whole program, so a run computes it once, not per save.
struct ProgramIdentity {
  std::string model;
  std::string fingerprint;
  ProgramIdentity(const Program& program) : model(program.model), fingerprint(program.fingerprint()) {}  // NOLINT: implicit on purpose
};

void save_checkpoint(const std::string& path, const ProgramIdentity& program, const ParameterStore& store,
                     const Optimizer& optimizer, uint64_t seed, const RunPosition& position);

// A checkpoint read back, before it is applied: the run needs its seed to
// rebuild the data split before the parameter store and optimizer exist.
struct LoadedCheckpoint {
  SafeTensors file;
  uint64_t seed = 0;
  RunPosition position;
  std::string optimizer;  // the optimizer kind it was saved with
  int64_t optimizer_steps = 0;
};

// Reads a checkpoint saved by the same program. Throws graphc::Error naming
// the file: not a checkpoint, one of another program (naming both models and
// both fingerprints), unreadable or impossible metadata.
LoadedCheckpoint read_checkpoint(const std::string& path, const ProgramIdentity& program);

// Puts its parameters and optimizer state back. Throws graphc::Error naming
// the file for another optimizer kind, a missing tensor (also optimizer
// state of a parameter that was frozen when it was saved) or another shape.
void restore_checkpoint(const LoadedCheckpoint& checkpoint, ParameterStore& store, Optimizer& optimizer);

// --init-from: copies every tensor of the file whose name and shape match a
// parameter (a checkpoint of any program, or weights saved from PyTorch);
// the other parameters keep their initial values.
struct InitFromReport {
  std::vector<std::string> loaded;
  std::vector<std::string> kept;     // parameters the file has no match for
  std::vector<std::string> ignored;  // tensors of the file that matched nothing (optimizer state excluded)
  std::string str() const;           // "loaded 4 of 6 parameters from F; kept initial values: a, b; ..."
  std::string source;
};
InitFromReport init_from_weights(const std::string& path, ParameterStore& store);

}  // namespace graphc::runtime
