// The CPU backend's compile step for a whole program: fuse each graph
// (training step, eval step), plan its memory for the program's max_batch,
// lower every group that runs a kernel, and record where each kernel
// argument and each graph output lives (runtime/cpu/cpu_plan.h). The kernels
// then go to the LLVM emitter (an object file for a trainer, the JIT in
// tests); the plan goes into the trainer's embedded program.
//
// Kernel names are "<graph>_k<group index>" ("train_k12"), unique within the
// program, so one module holds both graphs.
#pragma once

#include <vector>

#include "codegen/kernel_ir.h"
#include "runtime/program.h"

namespace graphc::codegen {

struct CompiledCpuProgram {
  std::vector<Kernel> kernels;  // both graphs', in call order
  runtime::cpu::CpuPlan plan;   // target fields left for the caller
};

// Throws graphc::Error when a group contains an op with no lowering.
CompiledCpuProgram compile_cpu(const runtime::Program& program);

}  // namespace graphc::codegen
