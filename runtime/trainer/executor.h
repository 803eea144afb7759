// What the training loop needs from a backend: run the training graph on a
// batch (loss, #correct, gradients, new running statistics) and run the eval
// graph on a batch (loss, #correct, logits). Parameters stay in the
// ParameterStore's flat buffers, which a compiled backend uses in place, so
// the loop, the optimizer and the checkpoints never depend on the backend.
// The reference interpreter is the first implementation; compiled CPU and
// CUDA executors implement the same interface.
//
// A training run also hands the parameters and the optimizer to the
// executor (adopt), so that one which keeps them in memory of its own (the
// CUDA executor, on the device) runs whole steps there, update included,
// and copies them back only when the run needs them on the host (gather:
// before a checkpoint, at the end). Executors that work on the store's own
// buffers need none of that: the defaults below are theirs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cpu/kernel_abi.h"
#include "runtime/data/batch.h"
#include "runtime/optim/optimizer.h"
#include "runtime/program.h"
#include "runtime/trainer/kernel_profile.h"
#include "runtime/trainer/parameter_store.h"

namespace graphc::runtime {

struct StepResult {
  double loss = 0;                // the graph's loss output (a batch mean)
  std::optional<double> correct;  // the "correct" output, for classifiers
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string_view name() const = 0;

  // One step of the training graph on `batch` with the store's parameter
  // values: writes every gradient output into store.gradients() and every
  // state output (batch-norm running statistics) over the value of the
  // parameter it is named after. `seed` feeds the graph's seed input
  // (dropout), if it has one.
  virtual StepResult train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store) = 0;

  // The eval graph on `batch`. When `logits` is not null it receives the
  // prediction output, [B, K] row-major.
  virtual StepResult eval_step(const data::Batch& batch, const ParameterStore& store, std::vector<float>* logits) = 0;

  // From now on the executor may hold the store's values and gradients and
  // the optimizer's state in its own memory: train_step, eval_step and
  // update then read and write that copy, and the store and the optimizer's
  // state on the host are current only after gather(). Call it again after
  // changing them on the host (a restored checkpoint). Without it (the
  // tests, --check-against) every step reads and writes the store as above.
  virtual void adopt(const ParameterStore& store, Optimizer& optimizer);

  // The optimizer's update after a train_step, at learning rate `lr`. When
  // max_norm > 0 the updated gradients are first clipped to that 2-norm
  // (torch.nn.utils.clip_grad_norm_) and the norm before clipping is
  // returned; when it is not finite nothing is updated and the step is not
  // counted, for the caller to report.
  virtual std::optional<double> update(Optimizer& optimizer, double lr, double max_norm, ParameterStore& store);

  // The adopted copy back into the store (values, gradients) and the
  // optimizer's state; nothing to do for an executor that never copied them.
  virtual void gather(ParameterStore& store, Optimizer& optimizer);

  // Whether the executor keeps this data set's pixels in its own memory and
  // makes the inputs of its deferred batches (data::BatchOptions::
  // defer_pixels) itself. By default it does not: batches must carry their
  // inputs.
  virtual bool hold_data(const data::Dataset& ds);

  // Queued training steps: the training loop queues a step
  // (queue_train_step, then update) and collects the results of the steps
  // queued so far, in order (finished_steps), at least every queue_depth()
  // steps and before anything needs them. An executor that runs steps on a
  // device (the CUDA executor, once adopted) returns results late, so the
  // host prepares step k+1 while the device runs step k; by default a step
  // runs at once and the depth is 1.
  virtual int queue_depth() const;
  virtual void queue_train_step(const data::Batch& batch, uint64_t seed, ParameterStore& store);
  virtual std::vector<StepResult> finished_steps();

 private:
  std::vector<StepResult> finished_;  // the default queue
};

// The reference interpreter as an executor (runtime/trainer/interpreter_executor.cpp).
std::unique_ptr<Executor> make_interpreter_executor(const Program& program, const ParameterStore& store);

// Compiled code linked into this executable beside the program.
struct LinkedCode {
  const graphc_kernel_entry* cpu_kernels = nullptr;  // the CPU kernel table, or null
  std::string_view cuda_cubin;  // the CUDA module for the program's cuda plan, or empty
  std::string_view cuda_ptx;
};

// How f32 matrix products run on the GPU: tf32 (the default, as PyTorch's
// allow_tf32 for convolutions) rounds the operands to TF32 inside cuBLAS's
// tensor-core GEMMs, fp32 keeps full f32, bf16 rounds each GEMM's operands
// to bfloat16 (to nearest even) for bf16 tensor cores that accumulate in
// f32 into f32 outputs, as autocast's matmuls and convolutions do; the
// parameters, the optimizer and every other kernel stay f32 (the master
// weights). The CPU is always fp32.
enum class MatmulPrecision { fp32, tf32, bf16 };
inline const char* matmul_precision_name(MatmulPrecision p) {
  switch (p) {
    case MatmulPrecision::fp32: return "fp32";
    case MatmulPrecision::tf32: return "tf32";
    case MatmulPrecision::bf16: return "bf16";
  }
  return "?";
}

struct ExecutorOptions {
  std::string device = "cpu";  // cpu | cuda | interpreter
  int threads = 0;             // compute threads for the compiled CPU kernels (0 = all cores)
  MatmulPrecision precision = MatmulPrecision::tf32;
  KernelProfile* profile = nullptr;  // when set, the executor times its work into it (--profile)
};

// The executor options.device asks for: "cpu" runs the compiled kernels when the
// trainer carries them (the interpreter otherwise), "cuda" the CUDA kernels
// on the GPU, "interpreter" the reference interpreter. Throws graphc::Error
// when the choice cannot run here.
std::unique_ptr<Executor> make_executor(const Program& program, const ParameterStore& store,
                                        const ExecutorOptions& options, const LinkedCode& code);

}  // namespace graphc::runtime
