// The CUDA backend's compile step for a whole program: the kernels the CPU
// backend lowered (codegen/compile_cpu.h, one lowering for both backends)
// emitted as one CUDA C translation unit, compiled by NVRTC for `arch`
// through the on-disk cache, and the plan that launches them
// (runtime/cuda/cuda_plan.h): the graphs' kernel calls and arena layouts are
// the CPU backend's, each kernel's launches are its __global__ functions.
// Built only where the CUDA toolkit is (GRAPHC_HAVE_NVRTC).
#pragma once

#include <string>

#include "codegen/compile_cpu.h"
#include "codegen/cuda/nvrtc_compiler.h"
#include "runtime/cuda/cuda_plan.h"

namespace graphc::codegen::cuda {

struct CompiledCudaProgram {
  runtime::cuda::CudaPlan plan;
  CudaBinary module;  // cubin for plan.arch and its PTX
};

// How a program's module is compiled for `arch`: the toolkit's headers on
// the include path (a module with implicit GEMMs includes <mma.h>).
NvrtcOptions module_nvrtc_options(const std::string& arch);

// Throws graphc::Error for an arch NVRTC refuses or a kernel it cannot
// compile cleanly (the log names the kernel).
CompiledCudaProgram compile_cuda(const CompiledCpuProgram& kernels, const std::string& model, const std::string& arch,
                                 NvrtcCompiler& compiler);

}  // namespace graphc::codegen::cuda
