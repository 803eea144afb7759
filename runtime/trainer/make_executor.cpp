// Choosing the backend a trainer runs on. The compiled kernels are the
// default whenever the trainer carries them; the interpreter stays available
// as the oracle (--device interpreter) and as the fallback of trainers built
// with graphc --target interpreter. --device cuda needs a trainer built with
// --target cuda and a machine with a driver, a GPU and cuBLAS.
#include "ir/error.h"
#include "runtime/cpu/cpu_executor.h"
#include "runtime/cuda/cuda_executor.h"
#include "runtime/embedded_blob.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime {

std::unique_ptr<Executor> make_executor(const Program& program, const ParameterStore& store,
                                        const ExecutorOptions& options, const LinkedCode& code) {
  const std::string& device = options.device;
  const auto interpreter = [&] {
    if (options.profile != nullptr)
      throw Error(cat("--profile times compiled kernels, and --device ", device,
                      " runs this trainer on the reference interpreter, which has none"));
    return make_interpreter_executor(program, store);
  };
  if (device == "interpreter") return interpreter();
  if (device == "cuda") {
    // Expanded for the module's load only (runtime/embedded_blob.h).
    const std::string cubin = expand_blob(code.cuda_cubin, "the trainer's embedded cubin");
    const std::string ptx = expand_blob(code.cuda_ptx, "the trainer's embedded PTX");
    return cuda::make_cuda_executor(program, store, {cubin, ptx}, options.precision, options.profile);
  }
  GRAPHC_ASSERT(device == "cpu", "unknown device ", device);
  const bool compiled = program.cpu.has_value() && code.cpu_kernels != nullptr;
  if (!compiled) return interpreter();
  return cpu::make_cpu_executor(program, store, cpu::table_resolver(code.cpu_kernels), options.threads,
                                options.profile);
}

}  // namespace graphc::runtime
