// Everything a training run can be told, with the model's recipe as the
// defaults and the command line overriding it. Parsing checks every value up
// front, so a typo is reported by name before any data is loaded rather than
// as a strange result an hour later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/error.h"
#include "runtime/optim/lr_schedule.h"
#include "runtime/optim/optimizer_config.h"
#include "runtime/program.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime {

// A bad command line: the trainer prints it with a pointer to --help and
// exits with status 2 (other failures exit with 1).
class UsageError : public Error {
 public:
  using Error::Error;
};

struct TrainerOptions {
  std::string data;  // --data; "" = the recipe's data set at its default places
  int64_t epochs = 1;
  int64_t batch_size = 1;
  OptimizerConfig optimizer;       // kind, lr, momentum, weight decay
  LrSchedule schedule;             // base_lr mirrors optimizer.lr
  double clip_grad_norm = 0;       // 0 = no clipping
  uint64_t seed = 0;               // parameters, split, shuffling, augmentation, dropout
  bool seed_given = false;         // --seed was on the command line
  std::string device = "cpu";      // cpu | cuda | interpreter
  int threads = 0;                 // compute and data decoding threads; 0 = all cores
  MatmulPrecision precision = MatmulPrecision::tf32;  // f32 matrix products on the GPU
  double val_fraction = 0;         // share of the training set held out
  bool drop_last = false;          // drop the last partial training batch of each epoch
  bool augment = false;            // random crop (4 px, reflect) and horizontal flip
  std::string checkpoint;          // written at each epoch's end (and every checkpoint_every steps)
  int64_t checkpoint_every = 0;    // 0 = only at the end of epochs
  std::string resume;              // continue the run saved in this checkpoint
  std::string init_from;           // start from these weights (by name and shape)
  std::vector<std::string> freeze; // parameter name prefixes the optimizer leaves alone
  std::string metrics;             // JSON lines, one per epoch and a final one
  std::string profile;             // --profile FILE: time every kernel, write the profile here as JSON
  int64_t max_steps = 0;           // 0 = no limit; else at most this many steps per epoch
  std::string check_against;       // --check-against DEVICE: compare one step with it, do not train
  std::optional<double> check_tolerance;  // of each tensor's scale; default check_tolerance_for()
  bool quiet = false;              // print errors only
  bool help = false;
};

// The recipe's choices, with the trainer's own defaults for the rest.
TrainerOptions default_trainer_options(const Program& program);

// Parses the arguments after the program name. Throws UsageError naming the
// flag and the bad value: unknown flags, missing or malformed values, values
// out of range (a batch size above the program's max_batch names both).
TrainerOptions parse_trainer_args(const Program& program, const std::vector<std::string>& args);

// --check-tolerance when given, else what f32 arithmetic meets (1e-4), or
// TF32's (1e-2) when either side is cuda with tf32 GEMMs.
double check_tolerance_for(const TrainerOptions& options);

// What make_executor needs of the options (device, threads, precision).
ExecutorOptions executor_options(const TrainerOptions& options);

// The --help text, showing this program's defaults.
std::string trainer_usage(const Program& program);

}  // namespace graphc::runtime
