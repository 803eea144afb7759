// What the CLI does with a forward graph beyond printing it: run the pipeline
// to a named stage, check gradients, compile a trainer program.
#pragma once

#include <string>

#include "codegen/compile_cpu.h"
#include "codegen/cpu/llvm_module.h"
#include "codegen/cuda/nvrtc_cache.h"
#include "ir/graph.h"
#include "ir/recipe.h"
#include "runtime/program.h"

namespace graphc::cli {

// "" or "forward": the graph itself; "after-<pass>": the pipeline run up to
// and including that pass ("after-fusion": the whole pipeline, whose graph
// fusion then partitions). Unknown stages are a graphc::Error listing the
// known ones.
Graph graph_at_stage(const Graph& forward, const std::string& stage, bool print_passes);
bool is_fusion_stage(const std::string& stage);
// The kernels fusion makes of g, then a summary against one kernel per op.
std::string dump_fusion(const Graph& g);

// The memory plan of g (a forward graph) after the whole pipeline and fusion,
// with N bound to `batch`; the plan is checked before it is printed.
std::string dump_memory_plan(const Graph& forward, int64_t batch);

// Prints the per-parameter report; returns whether every parameter passed.
bool run_check_grad(const Graph& forward, uint64_t seed, int64_t max_parameters, int64_t max_elements);


// The CPU backend for `program`: its kernels (codegen::compile_cpu, lowered
// once for every backend) emitted as one optimised LLVM module for `target`,
// and program.cpu set to the plan that runs them.
codegen::cpu::LlvmModule compile_cpu_backend(runtime::Program& program, const codegen::CompiledCpuProgram& kernels,
                                             const codegen::cpu::CpuTarget& target);

// The CUDA backend for `program`: the same kernels as CUDA C compiled by
// NVRTC for `arch` (cached), and program.cuda set to the plan that launches
// them. Throws graphc::Error when this graphc was built without the CUDA
// toolkit, or NVRTC fails.
codegen::cuda::CudaBinary compile_cuda_backend(runtime::Program& program, const codegen::CompiledCpuProgram& kernels,
                                               const std::string& arch);

// This machine's CPU when `name` is empty, else the named LLVM CPU (with the
// host's triple). Throws graphc::Error for a CPU LLVM does not know.
codegen::cpu::CpuTarget cpu_target(const std::string& name);

}  // namespace graphc::cli
