// Kernel IR -> CUDA C: one translation unit for a program's kernels, which
// NVRTC compiles when graphc runs (codegen/cuda/nvrtc_compiler.h). The
// emitter itself needs no CUDA toolkit: `graphc --emit-cuda` works anywhere.
//
// Mapping (docs/gpu.md, "CUDA emitter", has the long form):
// - Each top-level parallel loop or Gemm (statement i of a Kernel) is one
//   launch, an `extern "C" __global__` function `<kernel>_s<i>`; a run of
//   other top-level statements (a full reduction: s = 0, a sequential loop,
//   stores) is one single-thread launch named after its first statement.
//   Launches pass no registers to each other. Every function of a
//   kernel takes the same parameters: one typed device pointer per
//   Kernel::buffers entry, in that order (booleans as `unsigned char*`),
//   then `long long n`. So the executor binds one argument list per kernel
//   and launches its functions in order on one stream.
// - A top-level parallel loop nest becomes a grid-stride loop over the
//   product of the parallel loop and the directly nested loops whose
//   iterations are provably independent (flattened); the rest of the nest
//   runs inside one thread in the IR's order, so every reduction sums in the
//   same fixed order whatever the launch configuration (no atomics).
// - Gemm becomes a shared-memory tiled GEMM (16 x 16 tiles, one thread per C
//   element) honouring every Gemm field; the executor runs the cases
//   cublas_runs() accepts through cuBLAS instead, after the window_columns
//   function of a convolution has written its window operand out (im2col).
// - Every function is correct for any grid size (all loops are grid-stride),
//   and its block size is fixed (CudaFunction::block_threads, __launch_bounds__).
// - The interpreter's semantics: NaN-propagating max/min/relu, C truncation
//   for float -> int, NaN is true, Philox bit for bit. No fast math.
// f16/bf16 kernels are refused (graphc::Error): nothing lowers them yet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/kernel_ir.h"

namespace graphc::codegen::cuda {

// One __global__ function of the translation unit, in launch order.
struct CudaFunction {
  std::string name;   // "<kernel>_s<i>"
  std::string kernel; // the Kernel it belongs to (its buffers are the parameters)
  size_t statement = 0; // the index in Kernel::body of the (first) statement it runs
  // Not a launch of its own: it writes the window operand of Gemm statement
  // `statement` as a plain matrix (im2col) into its extra last parameter,
  // `float* gc_cols`, for cuBLAS (cublas_runs).
  bool window_columns = false;
  int block_threads = 256;
  // The product of these at batch size n is how many threads keep the
  // function fully busy; more are wasted, fewer are still correct.
  std::vector<SizeExpr> work;

  int64_t threads_wanted(int64_t n) const;
};

struct CudaModule {
  std::string source;
  std::vector<CudaFunction> functions;
};

// Whether cuBLAS can run Gemm g of kernel k in the executor: f32 operands,
// no batch reduction; a window operand is first written out as a matrix by
// the Gemm's window_columns function.
bool cublas_runs(const Kernel& k, const Gemm& g);

CudaModule emit_cuda_module(const std::vector<Kernel>& kernels);
std::string emit_cuda(const std::vector<Kernel>& kernels);

}  // namespace graphc::codegen::cuda
