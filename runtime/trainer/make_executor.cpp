// Choosing the backend a trainer runs on. The compiled kernels are the
// default whenever the trainer carries them; the interpreter stays available
// as the oracle (--device interpreter) and as the fallback of trainers built
// with graphc --target interpreter.
#include "ir/error.h"
#include "runtime/cpu/cpu_executor.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime {

std::unique_ptr<Executor> make_executor(const Program& program, const ParameterStore& store,
                                        const std::string& device, int threads, const LinkedCode& code) {
  if (device == "interpreter") return make_interpreter_executor(program, store);
  if (device == "cuda")
    throw Error("--device cuda: this trainer was built without CUDA support (use --device cpu)");
  GRAPHC_ASSERT(device == "cpu", "unknown device ", device);
  const bool compiled = program.cpu.has_value() && code.cpu_kernels != nullptr;
  if (!compiled) return make_interpreter_executor(program, store);
  return cpu::make_cpu_executor(program, store, cpu::table_resolver(code.cpu_kernels), threads);
}

}  // namespace graphc::runtime
