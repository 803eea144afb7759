// The compiled CPU backend behind the Executor interface: runs a graph's
// kernel calls in order over one arena and one scratch area allocated at
// start-up for the program's max_batch, with parameters and gradients used in
// place in the ParameterStore (gradients are written straight into their
// slots wherever the memory plan allows it, otherwise copied after the step).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/cpu/kernel_abi.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime::cpu {

// Finds a kernel's entry point by name; throws graphc::Error when missing.
using KernelResolver = std::function<graphc_kernel_fn(const std::string& name)>;

// A resolver over a kernel table (a compiled object's graphc_kernel_table).
KernelResolver table_resolver(const graphc_kernel_entry* table);

// Throws graphc::Error when the program has no CPU plan, a kernel is missing,
// the plan does not match the program's graphs or the store, or this machine
// lacks an instruction set the kernels were compiled for. With `profile`,
// every kernel call, the inputs' staging and the update are timed into it.
std::unique_ptr<Executor> make_cpu_executor(const Program& program, const ParameterStore& store,
                                            const KernelResolver& kernels, int threads,
                                            KernelProfile* profile = nullptr);

// The instruction-set extensions (e.g. "avx512f") that `features` (LLVM's
// "+avx2,+fma,-avx512f,...") requires and this machine lacks.
std::string missing_cpu_features(const std::string& features);

}  // namespace graphc::runtime::cpu
