// What the executor tests share: a zoo model's program planned for a given
// largest batch, random batches for a program's graphs, and the tolerance
// by which a compiled backend's tensors must match the interpreter's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codegen/kernel_ir.h"
#include "runtime/cpu/kernel_abi.h"
#include "runtime/data/batch.h"
#include "runtime/program.h"

namespace graphc::codegen::testing {

// `kernels` JIT-compiled (in the shared JIT) and the kernel table a trainer
// links, for runtime::LinkedCode::cpu_kernels. The entries point into names.
struct JitKernelTable {
  std::vector<std::string> names;
  std::vector<graphc_kernel_entry> table;  // ends with a null entry
};
JitKernelTable jit_kernel_table(const std::vector<Kernel>& kernels, const std::string& model);

// The zoo model compiled as graphc compiles it, for batches up to max_batch.
runtime::Program zoo_program(const std::string& model, int64_t max_batch);

// A batch of `b` samples of random inputs and labels for program's graphs.
runtime::data::Batch random_batch(const runtime::Program& p, int64_t b, uint64_t seed);

// |got - want| <= 1e-4 * (the largest |want| of the tensor) + 1e-6: f32
// sums of many terms carry errors in proportion to the tensor's scale, not
// to each element's.
void expect_close(std::span<const float> got, std::span<const float> want, const std::string& what);

}  // namespace graphc::codegen::testing
