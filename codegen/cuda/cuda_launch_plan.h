// The CUDA plan of a program (runtime/cuda/cuda_plan.h) from the kernels the
// CPU backend lowered and the CUDA module emitted from them: the graphs'
// kernel calls and arena layouts are the CPU backend's (one lowering for
// both), each kernel's launches are its __global__ functions in order, and
// the plain f32 Gemms among them are marked for cuBLAS.
// Needs no CUDA toolkit.
#pragma once

#include <string>

#include "codegen/compile_cpu.h"
#include "codegen/cuda/cuda_emitter.h"
#include "runtime/cuda/cuda_plan.h"

namespace graphc::codegen::cuda {

runtime::cuda::CudaPlan cuda_launch_plan(const CompiledCpuProgram& kernels, const CudaModule& module,
                                         const std::string& arch);

}  // namespace graphc::codegen::cuda
