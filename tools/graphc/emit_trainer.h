// Writes a standalone training executable: the compiled program is embedded
// in an object file (assembled with .incbin, so its size costs nothing at
// compile time) and linked by the system compiler driver with the trainer
// entry point, the runtime library and the object of compiled kernels, which
// hold no LLVM and no CUDA.
#pragma once

#include <string>

#include "codegen/cpu/llvm_module.h"
#include "codegen/cuda/nvrtc_cache.h"
#include "runtime/program.h"

namespace graphc::cli {

struct LinkOptions {
  std::string output;       // the executable to write
  std::string library_dir;  // holds libgraphc_trainer_main.a, libgraphc_runtime.a, libgraphc_ir.a
  std::string compiler;     // the driver, default $CXX or c++
};

// The library directory of this graphc: <dir of the executable>/../lib.
std::string default_library_dir();

// The compiled code a trainer carries besides its program; either may be absent.
struct TrainerCode {
  const codegen::cpu::LlvmModule* cpu = nullptr;       // written as an object file and linked
  const codegen::cuda::CudaBinary* cuda = nullptr;      // cubin and PTX, embedded as data
};

// Links the trainer; with no code at all it runs the interpreter. Throws
// graphc::Error with the driver's output when compiling or linking fails.
void emit_trainer(const runtime::Program& program, const LinkOptions& options, const TrainerCode& code);

}  // namespace graphc::cli
