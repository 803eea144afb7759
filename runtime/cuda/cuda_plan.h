// What the CUDA backend needs at run time besides the module itself (the
// cubin and PTX graphc embeds in the trainer): the architecture the cubin
// was compiled for, how each kernel is launched (its __global__ functions in
// order, their block size and how many threads keep each busy at batch n),
// and for each graph its plan of kernel calls (runtime/graph_plan.h). The
// kernels are the CPU backend's kernel IR emitted as CUDA C, so a kernel's
// buffers and the graph plans mean exactly what they mean on the CPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/graph_plan.h"

namespace graphc::runtime::cuda {

// constant + per_n * n: a size at batch n (codegen's SizeExpr).
struct Size {
  int64_t constant = 0;
  int64_t per_n = 0;
  int64_t at(int64_t n) const { return constant + per_n * n; }
  bool operator==(const Size&) const = default;
};

// An operand of a cuBLAS GEMM written out as plain row-major matrices by
// `function` (the kernel's buffers, n, then where to write): op(B) of each
// (group, sample) as [group][sample][K][N] (a convolution's window, im2col,
// or a batch reduction's B), or op(A) of a batch reduction with the samples
// folded into K as [group][M][sample][K] (codegen/cuda/cuda_emitter.h).
struct PackedOperand {
  std::string function;
  int block_threads = 256;
  std::vector<Size> work;
  bool operator==(const PackedOperand&) const = default;
};

// A Gemm statement that cuBLAS runs instead of the emitted tiled kernel
// (codegen/kernel_ir.h, Gemm, has the meaning of every field; f32 Gemms
// qualify). a, b, c index the kernel's buffers; strides and offsets count
// elements. With packed_b, B is read from the packed matrices instead of
// buffer b; a batch reduction packs both and runs one GEMM per group with
// K' = batch * K.
struct CublasGemm {
  int a = -1, b = -1, c = -1;
  bool transpose_a = false, transpose_b = false;
  Size m, n_cols, k, lda, ldb, ldc;
  double alpha = 1, beta = 0;
  Size batch{1, 0};
  Size a_batch_stride, b_batch_stride, c_batch_stride;
  int64_t groups = 1;
  Size a_group_stride, b_group_stride, c_group_stride;
  bool reduce_batch = false;
  std::optional<PackedOperand> packed_a, packed_b;
  // The whole GEMM on tensor cores, its window gathered on the fly
  // (codegen/cuda/cuda_emitter_implicit_gemm.cpp; the kernel's buffers and
  // n are its parameters), which the executor may run instead of packing
  // and cuBLAS: the function, its block size and work, as for packing.
  std::optional<PackedOperand> implicit;
  // Elements of each packed operand at batch n.
  int64_t packed_a_elements(int64_t n) const;
  int64_t packed_b_elements(int64_t n) const;
  bool operator==(const CublasGemm&) const = default;
};

struct CudaLaunch {
  std::string function;  // the __global__ function's name in the module
  int block_threads = 256;
  // The product of these at batch n is how many threads keep it fully busy.
  std::vector<Size> work;
  // When set, the executor calls cuBLAS for this launch (the function stays
  // in the module as the reference the GEMM tests compare against).
  std::optional<CublasGemm> cublas;
  int64_t threads_wanted(int64_t n) const;
  bool operator==(const CudaLaunch&) const = default;
};

struct CudaKernelLaunches {
  std::string kernel;  // the name KernelCall::kernel refers to
  std::vector<CudaLaunch> launches;  // in launch order; all take the kernel's buffers, then n
};

struct CudaPlan {
  std::string arch;  // "sm_90": the cubin's architecture (the PTX is for the same virtual one)
  std::vector<CudaKernelLaunches> kernels;
  GraphPlan train;
  GraphPlan eval;
};

nlohmann::json cuda_plan_to_json(const CudaPlan& plan);
// Throws graphc::Error naming the field that is wrong.
CudaPlan cuda_plan_from_json(const nlohmann::json& j);

}  // namespace graphc::runtime::cuda
