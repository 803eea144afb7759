// See cublas_gemm.h.
#include "runtime/cuda/cublas_gemm.h"

#include <algorithm>
#include <limits>

#include "ir/error.h"
#include "runtime/cuda/device_kernels.h"

namespace graphc::runtime::cuda {

namespace {

cublasComputeType_t compute_type(MatmulPrecision precision) {
  // bf16 operands accumulate in f32 (CUBLAS_COMPUTE_32F is what cuBLAS
  // pairs with CUDA_R_16BF inputs and an f32 C).
  return precision == MatmulPrecision::tf32 ? kCublasCompute32FFastTf32 : kCublasCompute32F;
}

// Elements from an operand's first to one past its last: `rows` x `cols`
// rows `ld` apart, `batch` such matrices `batch_stride` apart, `groups`
// such batches `group_stride` apart (strides may be 0: a broadcast).
int64_t operand_span(int64_t rows, int64_t cols, int64_t ld, int64_t batch, int64_t batch_stride, int64_t groups,
                     int64_t group_stride) {
  if (rows <= 0 || cols <= 0 || batch <= 0 || groups <= 0) return 0;
  return (groups - 1) * group_stride + (batch - 1) * batch_stride + (rows - 1) * ld + cols;
}

// The spans of A and B of Gemm g at batch n, as stored (before op()).
std::pair<int64_t, int64_t> operand_spans(const CublasGemm& g, int64_t n) {
  const int64_t m = g.m.at(n), k = g.k.at(n), cols = g.n_cols.at(n), batch = g.batch.at(n);
  const int64_t a = g.packed_a ? g.packed_a_elements(n)
                               : operand_span(g.transpose_a ? k : m, g.transpose_a ? m : k, g.lda.at(n), batch,
                                              g.a_batch_stride.at(n), g.groups, g.a_group_stride.at(n));
  const int64_t b = g.packed_b ? g.packed_b_elements(n)
                               : operand_span(g.transpose_b ? cols : k, g.transpose_b ? k : cols, g.ldb.at(n), batch,
                                              g.b_batch_stride.at(n), g.groups, g.b_group_stride.at(n));
  return {a, b};
}

}  // namespace

BlasSession::BlasSession(const DeviceSession& session, MatmulPrecision precision)
    : session_(session), blas_(cublas_library()), workspace_(session.driver(), kWorkspaceBytes, "cuBLAS's workspace"),
      bf16_(precision == MatmulPrecision::bf16), compute_(compute_type(precision)) {
  if (bf16_) round_bf16_ = session.function(kBf16Kernel.name);
  GRAPHC_CUBLAS_CHECK(blas_, cublasCreate_v2(&handle_));
  try {
    GRAPHC_CUBLAS_CHECK(blas_, cublasSetStream_v2(handle_, session.stream()));
    GRAPHC_CUBLAS_CHECK(blas_, cublasSetWorkspace_v2(handle_, reinterpret_cast<void*>(workspace_.address()),
                                                     kWorkspaceBytes));
  } catch (...) {
    blas_.blas.cublasDestroy_v2(handle_);
    throw;
  }
}

BlasSession::~BlasSession() { blas_.blas.cublasDestroy_v2(handle_); }

std::pair<int64_t, int64_t> BlasSession::bf16_elements(const CublasGemm& g, int64_t n) const {
  if (!bf16_) return {0, 0};
  return operand_spans(g, n);
}

void BlasSession::round_to_bf16(CUdeviceptr from, CUdeviceptr to, int64_t count) const {
  if (count <= 0) return;
  graphc_bf16_args a{reinterpret_cast<const float*>(from), reinterpret_cast<unsigned short*>(to), count};
  void* params[] = {&a};
  constexpr unsigned kThreads = 256;
  session_.launch(round_bf16_, session_.grid_for(count, kThreads), kThreads, params);
}

// The row-major Gemm at batch n, on buffers at `arguments` (device
// addresses of the kernel's buffers) or its packed operands. cuBLAS is
// column-major, and a row-major matrix is its transpose in column-major
// order, so C^T = op(B)^T op(A)^T: B and A swap places, their transposes
// stay. A batch reduction is one GEMM per group over K' = batch * K.
void BlasSession::gemm(const CublasGemm& g, const std::vector<CUdeviceptr>& arguments, int64_t n,
                       Scratch scratch) const {
  const auto dim = [&](int64_t v, const char* what) {
    if (v < 0 || v > std::numeric_limits<int>::max())
      throw Error(cat("a GEMM's ", what, " of ", v, " is beyond cuBLAS's int range"));
    return static_cast<int>(v);
  };
  const int64_t batch = g.batch.at(n), k = g.k.at(n), cols = g.n_cols.at(n);
  const int m = dim(g.m.at(n), "m"), nc = dim(cols, "n"), ldc = dim(g.ldc.at(n), "ldc");
  if (m == 0 || nc == 0 || (!g.reduce_batch && batch == 0)) return;
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);

  // Where A and B start (group 0), and the type cuBLAS reads them as.
  CUdeviceptr a_base = g.packed_a ? scratch.a : arguments[static_cast<size_t>(g.a)];
  CUdeviceptr b_base = g.packed_b ? scratch.b : arguments[static_cast<size_t>(g.b)];
  size_t operand_bytes = sizeof(float);
  cudaDataType operand_type = kCudaR32F;
  if (bf16_) {
    const auto [a_span, b_span] = operand_spans(g, n);
    round_to_bf16(a_base, scratch.a16, a_span);
    round_to_bf16(b_base, scratch.b16, b_span);
    a_base = scratch.a16, b_base = scratch.b16;
    operand_bytes = sizeof(unsigned short);
    operand_type = kCudaR16BF;
  }
  const auto a_at = [&](int64_t elements) {
    return reinterpret_cast<void*>(a_base + static_cast<CUdeviceptr>(elements) * operand_bytes);
  };
  const auto b_at = [&](int64_t elements) {
    return reinterpret_cast<void*>(b_base + static_cast<CUdeviceptr>(elements) * operand_bytes);
  };
  for (int64_t group = 0; group < g.groups; ++group) {
    void* c = reinterpret_cast<void*>(arguments[static_cast<size_t>(g.c)] +
                                      static_cast<CUdeviceptr>(group * g.c_group_stride.at(n)) * sizeof(float));
    if (g.reduce_batch) {
      const int folded = dim(batch * k, "k (batch * k)");
      GRAPHC_CUBLAS_CHECK(blas_, cublasGemmStridedBatchedEx(handle_, kCublasOpN, kCublasOpN, nc, m, folded, &alpha,
                                                            b_at(group * batch * k * cols), operand_type, nc, 0,
                                                            a_at(group * m * batch * k), operand_type, folded, 0,
                                                            &beta, c, kCudaR32F, ldc, 0, 1, compute_,
                                                            kCublasGemmDefault));
      continue;
    }
    const bool packed_b = g.packed_b.has_value();
    void* b = b_at(packed_b ? group * batch * k * cols : group * g.b_group_stride.at(n));
    const int ldb = packed_b ? nc : dim(g.ldb.at(n), "ldb");
    const int64_t b_stride = packed_b ? k * cols : g.b_batch_stride.at(n);
    const cublasOperation_t op_b = !packed_b && g.transpose_b ? kCublasOpT : kCublasOpN;
    const cublasOperation_t op_a = g.transpose_a ? kCublasOpT : kCublasOpN;
    GRAPHC_CUBLAS_CHECK(blas_, cublasGemmStridedBatchedEx(handle_, op_b, op_a, nc, m, dim(k, "k"), &alpha, b,
                                                          operand_type, ldb, b_stride,
                                                          a_at(group * g.a_group_stride.at(n)), operand_type,
                                                          dim(g.lda.at(n), "lda"), g.a_batch_stride.at(n), &beta, c,
                                                          kCudaR32F, ldc, g.c_batch_stride.at(n), dim(batch, "batch"),
                                                          compute_, kCublasGemmDefault));
  }
}

}  // namespace graphc::runtime::cuda
