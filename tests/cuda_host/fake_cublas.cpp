// cuBLAS and cuBLASLt on the host, in the same library as the fake driver
// (tests/cuda_host/fake_libcuda.cpp): the tests point GRAPHC_CUBLAS_DIR at a
// folder where libcublas.so.13 and libcublasLt.so.13 are links to that
// library. GEMMs are column-major as cuBLAS's, strided and batched, summed
// in double and run on the handle's stream (recorded when it captures).
// Each call is counted by compute type (graphc_fake_cublas_gemms), so a
// test can tell that cuBLAS, and which precision, ran. cuBLASLt answers
// "not supported": the executor does not use it yet.
#include <cstdint>
#include <cstring>
#include <map>

#include "runtime/cuda/cublas_abi.h"
#include "tests/cuda_host/fake_stream.h"

using namespace graphc::runtime::cuda;

struct cublasContext {
  CUstream stream = nullptr;
};
struct cublasLtContext {};

namespace {

constexpr cublasStatus_t kInvalidValue = 7;
constexpr cublasStatus_t kNotSupported = 15;
constexpr int kBf16Key = -1;  // gemm_counts()'s entry for bf16 operands

std::map<int, int>& gemm_counts() {
  static std::map<int, int> counts;
  return counts;
}

// An operand element as cuBLAS reads it: f32, or bfloat16 (the high half of an f32).
inline float element(const float* p, int64_t i) { return p[i]; }
inline float element(const uint16_t* p, int64_t i) {
  const uint32_t bits = uint32_t{p[i]} << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// C = alpha op(A) op(B) + beta C, column-major, m x n, inner k.
template <typename T>
void gemm(cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, float alpha, const T* A,
          int lda, const T* B, int ldb, float beta, float* C, int ldc) {
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      double sum = 0;
      for (int p = 0; p < k; ++p) {
        const float a = element(A, transa == kCublasOpN ? i + static_cast<int64_t>(p) * lda : p + static_cast<int64_t>(i) * lda);
        const float b = element(B, transb == kCublasOpN ? p + static_cast<int64_t>(j) * ldb : j + static_cast<int64_t>(p) * ldb);
        sum += static_cast<double>(a) * b;
      }
      float& c = C[i + static_cast<int64_t>(j) * ldc];
      c = static_cast<float>(alpha * sum + (beta == 0 ? 0.0 : static_cast<double>(beta) * c));
    }
}

bool valid(cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, int lda, int ldb, int ldc) {
  const auto op_ok = [](cublasOperation_t op) { return op == kCublasOpN || op == kCublasOpT; };
  return op_ok(transa) && op_ok(transb) && m >= 0 && n >= 0 && k >= 0 &&
         lda >= std::max(1, transa == kCublasOpN ? m : k) && ldb >= std::max(1, transb == kCublasOpN ? k : n) &&
         ldc >= std::max(1, m);
}

}  // namespace

extern "C" {

// How many GEMMs ran with this compute type (0 for the plain Sgemm entry
// points) on f32 operands, or with bf16 operands (any compute type).
int graphc_fake_cublas_gemms(int compute_type) { return gemm_counts()[compute_type]; }
int graphc_fake_cublas_bf16_gemms() { return gemm_counts()[kBf16Key]; }

cublasStatus_t cublasGetProperty(libraryPropertyType type, int* value) {
  *value = type == kMajorVersion ? 13 : 0;
  return kCublasStatusSuccess;
}
const char* cublasGetStatusName(cublasStatus_t status) {
  switch (status) {
    case kCublasStatusSuccess: return "CUBLAS_STATUS_SUCCESS";
    case kInvalidValue: return "CUBLAS_STATUS_INVALID_VALUE";
    case kNotSupported: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return nullptr;
  }
}
const char* cublasGetStatusString(cublasStatus_t status) {
  return cublasGetStatusName(status) != nullptr ? "host emulation" : nullptr;
}
cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  *handle = new cublasContext;
  return kCublasStatusSuccess;
}
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  delete handle;
  return kCublasStatusSuccess;
}
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
  handle->stream = stream;
  return kCublasStatusSuccess;
}
cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t, void* workspace, size_t bytes) {
  return workspace != nullptr && bytes > 0 ? kCublasStatusSuccess : kInvalidValue;
}
cublasStatus_t cublasSetMathMode(cublasHandle_t, cublasMath_t) { return kCublasStatusSuccess; }

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                              int k, const float* alpha, const float* A, int lda, const float* B, int ldb,
                              const float* beta, float* C, int ldc) {
  if (!valid(transa, transb, m, n, k, lda, ldb, ldc)) return kInvalidValue;
  ++gemm_counts()[0];
  const float a = *alpha, b = *beta;
  enqueue(handle->stream, [=] { gemm(transa, transb, m, n, k, a, A, lda, B, ldb, b, C, ldc); });
  return kCublasStatusSuccess;
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const float* alpha, const float* A, int lda,
                                         long long strideA, const float* B, int ldb, long long strideB,
                                         const float* beta, float* C, int ldc, long long strideC, int batch_count) {
  if (!valid(transa, transb, m, n, k, lda, ldb, ldc) || batch_count < 0) return kInvalidValue;
  ++gemm_counts()[0];
  const float a = *alpha, b = *beta;
  enqueue(handle->stream, [=] {
    for (int i = 0; i < batch_count; ++i)
      gemm(transa, transb, m, n, k, a, A + i * strideA, lda, B + i * strideB, ldb, b, C + i * strideC, ldc);
  });
  return kCublasStatusSuccess;
}

cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                          int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype,
                                          int lda, long long strideA, const void* B, cudaDataType Btype, int ldb,
                                          long long strideB, const void* beta, void* C, cudaDataType Ctype, int ldc,
                                          long long strideC, int batch_count, cublasComputeType_t compute_type,
                                          cublasGemmAlgo_t) {
  // f32 operands with any f32 compute type, or bf16 operands accumulated in f32 (as cuBLAS pairs them).
  const bool bf16 = Atype == kCudaR16BF && Btype == kCudaR16BF;
  if ((!bf16 && (Atype != kCudaR32F || Btype != kCudaR32F)) || Ctype != kCudaR32F) return kNotSupported;
  if (compute_type != kCublasCompute32F && (bf16 || (compute_type != kCublasCompute32FFastTf32 &&
                                                     compute_type != kCublasCompute32FPedantic)))
    return kNotSupported;
  if (!valid(transa, transb, m, n, k, lda, ldb, ldc) || batch_count < 0) return kInvalidValue;
  ++gemm_counts()[bf16 ? kBf16Key : compute_type];
  const float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
  auto* pc = static_cast<float*>(C);
  const auto run = [=](auto* pa, auto* pb) {
    for (int i = 0; i < batch_count; ++i)
      gemm(transa, transb, m, n, k, a, pa + i * strideA, lda, pb + i * strideB, ldb, b, pc + i * strideC, ldc);
  };
  if (bf16)
    enqueue(handle->stream, [=] { run(static_cast<const uint16_t*>(A), static_cast<const uint16_t*>(B)); });
  else
    enqueue(handle->stream, [=] { run(static_cast<const float*>(A), static_cast<const float*>(B)); });
  return kCublasStatusSuccess;
}

cublasStatus_t cublasLtGetProperty(libraryPropertyType type, int* value) { return cublasGetProperty(type, value); }
cublasStatus_t cublasLtCreate(cublasLtHandle_t* handle) {
  *handle = new cublasLtContext;
  return kCublasStatusSuccess;
}
cublasStatus_t cublasLtDestroy(cublasLtHandle_t handle) {
  delete handle;
  return kCublasStatusSuccess;
}
cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t*, cublasComputeType_t, cudaDataType) { return kNotSupported; }
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t) { return kNotSupported; }
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t, cublasLtMatmulDescAttributes_t, const void*, size_t) {
  return kNotSupported;
}
cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t*, cudaDataType, uint64_t, uint64_t, int64_t) {
  return kNotSupported;
}
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t) { return kNotSupported; }
cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t, cublasLtMatrixLayoutAttribute_t, const void*,
                                                size_t) {
  return kNotSupported;
}
cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t*) { return kNotSupported; }
cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t) { return kNotSupported; }
cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t, cublasLtMatmulPreferenceAttributes_t,
                                                    const void*, size_t) {
  return kNotSupported;
}
cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t,
                                              cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                              cublasLtMatmulPreference_t, int, cublasLtMatmulHeuristicResult_t*, int*) {
  return kNotSupported;
}
cublasStatus_t cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t, const void*, const void*, cublasLtMatrixLayout_t,
                              const void*, cublasLtMatrixLayout_t, const void*, const void*, cublasLtMatrixLayout_t,
                              void*, cublasLtMatrixLayout_t, const cublasLtMatmulAlgo_t*, void*, size_t, cudaStream_t) {
  return kNotSupported;
}

}  // extern "C"

// Each definition above has the signature the runtime declares.
#define GRAPHC_CHECK_SIGNATURE(name, result, params) \
  static_assert(std::is_same_v<decltype(&::name), result(*) params>, #name " differs from its declaration");
GRAPHC_CUBLAS_FUNCTIONS(GRAPHC_CHECK_SIGNATURE)
GRAPHC_CUBLAS_OVERLOADED_FUNCTIONS(GRAPHC_CHECK_SIGNATURE)
GRAPHC_CUBLASLT_FUNCTIONS(GRAPHC_CHECK_SIGNATURE)
#undef GRAPHC_CHECK_SIGNATURE
