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
//   cublas_runs() accepts through cuBLAS instead, after the Gemm's packing
//   functions have written a window operand (im2col) or a batch reduction's
//   operands out as plain matrices.
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
  // Not a launch of its own when set: it writes operand A or B of Gemm
  // statement `statement` out as plain row-major matrices into its extra
  // last parameter, `float* gc_pack`, for cuBLAS (cublas_runs). B (a
  // convolution's window: im2col) as op(B) of every (group, sample),
  // [group][sample][K][N]; A, for a batch reduction, as op(A) with the
  // samples folded into K, [group][M][sample][K], so that one GEMM with
  // K' = samples * K sums over the batch.
  enum class Packs { none, a, b };
  Packs packs = Packs::none;
  // Not a launch of its own either when set: the whole of Gemm statement
  // `statement` on tensor cores, its window gathered on the fly (implicit
  // GEMM, cuda_emitter_implicit_gemm.cpp), which the executor may run
  // instead of packing and cuBLAS; the kernel's buffers and n are its
  // parameters. A module with one includes <mma.h>: NVRTC then needs the
  // toolkit's include directory (NvrtcOptions::include_dirs).
  bool implicit_gemm = false;
  int block_threads = 256;
  // The product of these at batch size n is how many threads keep the
  // function fully busy; more are wasted, fewer are still correct.
  std::vector<SizeExpr> work;

  int64_t threads_wanted(int64_t n) const;
};

struct CudaModule {
  std::string source;
  // The program's part of `source`, [0, program_bytes); the kernels every
  // module carries follow it (codegen/cuda/device_kernels_source.h).
  size_t program_bytes = 0;
  std::vector<CudaFunction> functions;
};

// Whether cuBLAS can run Gemm g of kernel k in the executor: f32 operands.
// A window operand or a batch reduction is first packed (CudaFunction::packs).
bool cublas_runs(const Kernel& k, const Gemm& g);

CudaModule emit_cuda_module(const std::vector<Kernel>& kernels);
std::string emit_cuda(const std::vector<Kernel>& kernels);

}  // namespace graphc::codegen::cuda
