// See cublas_gemm.h.
#include "runtime/cuda/cublas_gemm.h"

#include <limits>

#include "ir/error.h"

namespace graphc::runtime::cuda {

BlasSession::BlasSession(const DeviceSession& session, MatmulPrecision precision)
    : blas_(cublas_library()), workspace_(session.driver(), kWorkspaceBytes, "cuBLAS's workspace"),
      compute_(precision == MatmulPrecision::tf32 ? kCublasCompute32FFastTf32 : kCublasCompute32F) {
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

// The row-major Gemm at batch n, on buffers at `arguments` (device
// addresses of the kernel's buffers) or its packed operands. cuBLAS is
// column-major, and a row-major matrix is its transpose in column-major
// order, so C^T = op(B)^T op(A)^T: B and A swap places, their transposes
// stay. A batch reduction is one GEMM per group over K' = batch * K.
void BlasSession::gemm(const CublasGemm& g, const std::vector<CUdeviceptr>& arguments, int64_t n, Packed packed) const {
  const auto dim = [&](int64_t v, const char* what) {
    if (v < 0 || v > std::numeric_limits<int>::max())
      throw Error(cat("a GEMM's ", what, " of ", v, " is beyond cuBLAS's int range"));
    return static_cast<int>(v);
  };
  const int64_t batch = g.batch.at(n), k = g.k.at(n), cols = g.n_cols.at(n);
  const int m = dim(g.m.at(n), "m"), nc = dim(cols, "n"), ldc = dim(g.ldc.at(n), "ldc");
  if (m == 0 || nc == 0 || (!g.reduce_batch && batch == 0)) return;
  const float alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
  const auto at = [](CUdeviceptr base, int64_t elements) {
    return reinterpret_cast<void*>(base + static_cast<CUdeviceptr>(elements) * sizeof(float));
  };
  const auto operand = [&](int buffer, const Size& group_stride, int64_t group) {
    return at(arguments[static_cast<size_t>(buffer)], group * group_stride.at(n));
  };
  for (int64_t group = 0; group < g.groups; ++group) {
    void* c = operand(g.c, g.c_group_stride, group);
    if (g.reduce_batch) {
      const int folded = dim(batch * k, "k (batch * k)");
      GRAPHC_CUBLAS_CHECK(blas_, cublasGemmStridedBatchedEx(
                                     handle_, kCublasOpN, kCublasOpN, nc, m, folded, &alpha,
                                     at(packed.b, group * batch * k * cols), kCudaR32F, nc, 0,
                                     at(packed.a, group * m * batch * k), kCudaR32F, folded, 0, &beta, c, kCudaR32F,
                                     ldc, 0, 1, compute_, kCublasGemmDefault));
      continue;
    }
    const bool packed_b = g.packed_b.has_value();
    void* b = packed_b ? at(packed.b, group * batch * k * cols) : operand(g.b, g.b_group_stride, group);
    const int ldb = packed_b ? nc : dim(g.ldb.at(n), "ldb");
    const int64_t b_stride = packed_b ? k * cols : g.b_batch_stride.at(n);
    const cublasOperation_t op_b = !packed_b && g.transpose_b ? kCublasOpT : kCublasOpN;
    const cublasOperation_t op_a = g.transpose_a ? kCublasOpT : kCublasOpN;
    GRAPHC_CUBLAS_CHECK(blas_, cublasGemmStridedBatchedEx(
                                   handle_, op_b, op_a, nc, m, dim(k, "k"), &alpha, b, kCudaR32F, ldb, b_stride,
                                   operand(g.a, g.a_group_stride, group), kCudaR32F, dim(g.lda.at(n), "lda"),
                                   g.a_batch_stride.at(n), &beta, c, kCudaR32F, ldc, g.c_batch_stride.at(n),
                                   dim(batch, "batch"), compute_, kCublasGemmDefault));
  }
}

}  // namespace graphc::runtime::cuda
