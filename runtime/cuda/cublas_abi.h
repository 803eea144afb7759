// The parts of cuBLAS (cublas_api.h) and cuBLASLt (cublasLt.h) of CUDA 13.0
// that the runtime calls, declared by hand so the runtime builds without
// CUDA headers and trainers link neither library: both are opened with dlopen
// (runtime/cuda/cublas_api.h) and these functions looked up with dlsym.
//
// Invariants:
// - Functions are named by their exported symbols (cublasCreate is
//   cublasCreate_v2, as cublas_v2.h maps it); cuBLAS 13 exports them with
//   the symbol version libcublas.so.13, which dlsym finds as the default.
// - Enums are int; handles and descriptors are pointers; the semi-opaque
//   structs cuBLASLt fills in by value (the algorithm, a heuristic result)
//   have the headers' exact layout.
// - codegen/cuda/cuda_abi_check.cpp checks every signature, constant and
//   struct layout here against the real headers at compile time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/cuda/cuda_driver_abi.h"

// The handle struct tags of cublas_api.h and cublasLt.h.
struct cublasContext;
struct cublasLtContext;

namespace graphc::runtime::cuda {

using cublasStatus_t = int;
using cublasHandle_t = cublasContext*;
using cublasOperation_t = int;
using cublasMath_t = int;
using cublasComputeType_t = int;
using cublasGemmAlgo_t = int;
using cudaDataType = int;
using libraryPropertyType = int;
using cudaStream_t = CUstream;  // cuBLAS takes the driver's stream handle as it is

// cublasStatus_t
inline constexpr cublasStatus_t kCublasStatusSuccess = 0;
inline constexpr cublasStatus_t kCublasStatusNotInitialized = 1;

// cublasOperation_t
inline constexpr cublasOperation_t kCublasOpN = 0;
inline constexpr cublasOperation_t kCublasOpT = 1;

// cublasMath_t. Default math keeps float GEMMs in float; TF32 tensor-op math
// lets cuBLAS round inputs to TF32 (the GPU peer's setting when it allows
// TF32); pedantic forbids every reduced-precision shortcut.
inline constexpr cublasMath_t kCublasDefaultMath = 0;
inline constexpr cublasMath_t kCublasPedanticMath = 2;
inline constexpr cublasMath_t kCublasTf32TensorOpMath = 3;
inline constexpr cublasMath_t kCublasMathDisallowReducedPrecisionReduction = 16;

// cublasComputeType_t
inline constexpr cublasComputeType_t kCublasCompute32F = 68;
inline constexpr cublasComputeType_t kCublasCompute32FPedantic = 69;
inline constexpr cublasComputeType_t kCublasCompute32FFastTf32 = 77;

// cublasGemmAlgo_t
inline constexpr cublasGemmAlgo_t kCublasGemmDefault = -1;

// cudaDataType
inline constexpr cudaDataType kCudaR32F = 0;
inline constexpr cudaDataType kCudaR16F = 2;
inline constexpr cudaDataType kCudaR16BF = 14;

// libraryPropertyType
inline constexpr libraryPropertyType kMajorVersion = 0;
inline constexpr libraryPropertyType kMinorVersion = 1;
inline constexpr libraryPropertyType kPatchLevel = 2;

// cuBLASLt descriptors: opaque to the caller, created and destroyed by the
// library (only pointers to them cross the ABI).
struct cublasLtMatmulDescOpaque_t {
  uint64_t data[32];
};
struct cublasLtMatrixLayoutOpaque_t {
  uint64_t data[8];
};
struct cublasLtMatmulPreferenceOpaque_t {
  uint64_t data[8];
};
using cublasLtHandle_t = cublasLtContext*;
using cublasLtMatmulDesc_t = cublasLtMatmulDescOpaque_t*;
using cublasLtMatrixLayout_t = cublasLtMatrixLayoutOpaque_t*;
using cublasLtMatmulPreference_t = cublasLtMatmulPreferenceOpaque_t*;
using cublasLtMatmulDescAttributes_t = int;
using cublasLtMatrixLayoutAttribute_t = int;
using cublasLtMatmulPreferenceAttributes_t = int;
using cublasLtEpilogue_t = int;  // set as a uint32_t attribute

// Filled in by the heuristic and passed back to cublasLtMatmul.
struct cublasLtMatmulAlgo_t {
  uint64_t data[8];
};
struct cublasLtMatmulHeuristicResult_t {
  cublasLtMatmulAlgo_t algo;
  size_t workspaceSize;
  cublasStatus_t state;
  float wavesCount;
  int reserved[4];
};

// cublasLtMatmulDescAttributes_t
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescComputeType = 0;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescScaleType = 1;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescTransA = 3;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescTransB = 4;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescEpilogue = 7;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescBiasPointer = 8;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescBiasBatchStride = 10;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescEpilogueAuxPointer = 11;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescEpilogueAuxLd = 12;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescEpilogueAuxBatchStride = 13;
inline constexpr cublasLtMatmulDescAttributes_t kLtMatmulDescBiasDataType = 26;

// cublasLtMatrixLayoutAttribute_t
inline constexpr cublasLtMatrixLayoutAttribute_t kLtMatrixLayoutOrder = 1;
inline constexpr cublasLtMatrixLayoutAttribute_t kLtMatrixLayoutBatchCount = 5;
inline constexpr cublasLtMatrixLayoutAttribute_t kLtMatrixLayoutStridedBatchOffset = 6;

// cublasLtOrder_t
inline constexpr int kLtOrderCol = 0;
inline constexpr int kLtOrderRow = 1;

// cublasLtMatmulPreferenceAttributes_t
inline constexpr cublasLtMatmulPreferenceAttributes_t kLtMatmulPrefMaxWorkspaceBytes = 1;

// cublasLtEpilogue_t
inline constexpr cublasLtEpilogue_t kLtEpilogueDefault = 1;
inline constexpr cublasLtEpilogue_t kLtEpilogueRelu = 2;
inline constexpr cublasLtEpilogue_t kLtEpilogueBias = 4;
inline constexpr cublasLtEpilogue_t kLtEpilogueReluBias = 6;
inline constexpr cublasLtEpilogue_t kLtEpilogueReluAux = 130;
inline constexpr cublasLtEpilogue_t kLtEpilogueReluAuxBias = 134;
inline constexpr cublasLtEpilogue_t kLtEpilogueDrelu = 136;
inline constexpr cublasLtEpilogue_t kLtEpilogueDreluBgrad = 152;
inline constexpr cublasLtEpilogue_t kLtEpilogueGelu = 32;
inline constexpr cublasLtEpilogue_t kLtEpilogueGeluBias = 36;
inline constexpr cublasLtEpilogue_t kLtEpilogueBgradA = 256;
inline constexpr cublasLtEpilogue_t kLtEpilogueBgradB = 512;

}  // namespace graphc::runtime::cuda

// X(exported symbol, return type, (parameters)) for libcublas.so.13.
#define GRAPHC_CUBLAS_FUNCTIONS(X)                                                                                \
  X(cublasGetProperty, cublasStatus_t, (libraryPropertyType type, int* value))                                    \
  X(cublasGetStatusName, const char*, (cublasStatus_t status))                                                    \
  X(cublasGetStatusString, const char*, (cublasStatus_t status))                                                  \
  X(cublasCreate_v2, cublasStatus_t, (cublasHandle_t * handle))                                                   \
  X(cublasDestroy_v2, cublasStatus_t, (cublasHandle_t handle))                                                    \
  X(cublasSetStream_v2, cublasStatus_t, (cublasHandle_t handle, cudaStream_t stream))                             \
  X(cublasSetWorkspace_v2, cublasStatus_t, (cublasHandle_t handle, void* workspace, size_t bytes))                \
  X(cublasSetMathMode, cublasStatus_t, (cublasHandle_t handle, cublasMath_t mode))                                \
  X(cublasSgemm_v2, cublasStatus_t,                                                                               \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,              \
     const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc)) \
  X(cublasSgemmStridedBatched, cublasStatus_t,                                                                    \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,              \
     const float* alpha, const float* A, int lda, long long strideA, const float* B, int ldb, long long strideB,  \
     const float* beta, float* C, int ldc, long long strideC, int batch_count))

// The same for the functions cublas_api.h also overloads in C++ (a
// cublasGemmStridedBatchedEx taking the compute type as cudaDataType): taking
// their address needs the exact type, so the ABI check spells it out.
#define GRAPHC_CUBLAS_OVERLOADED_FUNCTIONS(X)                                                                \
  X(cublasGemmStridedBatchedEx, cublasStatus_t,                                                              \
    (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k,         \
     const void* alpha, const void* A, cudaDataType Atype, int lda, long long strideA, const void* B,        \
     cudaDataType Btype, int ldb, long long strideB, const void* beta, void* C, cudaDataType Ctype, int ldc, \
     long long strideC, int batch_count, cublasComputeType_t compute_type, cublasGemmAlgo_t algo))

// X(exported symbol, return type, (parameters)) for libcublasLt.so.13.
#define GRAPHC_CUBLASLT_FUNCTIONS(X)                                                                                 \
  X(cublasLtGetProperty, cublasStatus_t, (libraryPropertyType type, int* value))                                     \
  X(cublasLtCreate, cublasStatus_t, (cublasLtHandle_t * handle))                                                     \
  X(cublasLtDestroy, cublasStatus_t, (cublasLtHandle_t handle))                                                      \
  X(cublasLtMatmulDescCreate, cublasStatus_t,                                                                        \
    (cublasLtMatmulDesc_t * desc, cublasComputeType_t compute_type, cudaDataType scale_type))                        \
  X(cublasLtMatmulDescDestroy, cublasStatus_t, (cublasLtMatmulDesc_t desc))                                          \
  X(cublasLtMatmulDescSetAttribute, cublasStatus_t,                                                                  \
    (cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, const void* value, size_t bytes))          \
  X(cublasLtMatrixLayoutCreate, cublasStatus_t,                                                                      \
    (cublasLtMatrixLayout_t * layout, cudaDataType type, uint64_t rows, uint64_t cols, int64_t ld))                  \
  X(cublasLtMatrixLayoutDestroy, cublasStatus_t, (cublasLtMatrixLayout_t layout))                                    \
  X(cublasLtMatrixLayoutSetAttribute, cublasStatus_t,                                                                \
    (cublasLtMatrixLayout_t layout, cublasLtMatrixLayoutAttribute_t attribute, const void* value, size_t bytes))     \
  X(cublasLtMatmulPreferenceCreate, cublasStatus_t, (cublasLtMatmulPreference_t * preference))                       \
  X(cublasLtMatmulPreferenceDestroy, cublasStatus_t, (cublasLtMatmulPreference_t preference))                        \
  X(cublasLtMatmulPreferenceSetAttribute, cublasStatus_t,                                                            \
    (cublasLtMatmulPreference_t preference, cublasLtMatmulPreferenceAttributes_t attribute, const void* value,       \
     size_t bytes))                                                                                                  \
  X(cublasLtMatmulAlgoGetHeuristic, cublasStatus_t,                                                                  \
    (cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc, \
     cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc, cublasLtMatmulPreference_t preference,              \
     int requested_count, cublasLtMatmulHeuristicResult_t* results, int* returned_count))                            \
  X(cublasLtMatmul, cublasStatus_t,                                                                                  \
    (cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, const void* alpha, const void* A,                           \
     cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc, const void* beta, const void* C,     \
     cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t* algo,          \
     void* workspace, size_t workspace_bytes, cudaStream_t stream))

namespace graphc::runtime::cuda {

struct CublasFunctions {
#define GRAPHC_DECLARE_FUNCTION_POINTER(name, result, params) result(*name) params = nullptr;
  GRAPHC_CUBLAS_FUNCTIONS(GRAPHC_DECLARE_FUNCTION_POINTER)
  GRAPHC_CUBLAS_OVERLOADED_FUNCTIONS(GRAPHC_DECLARE_FUNCTION_POINTER)
#undef GRAPHC_DECLARE_FUNCTION_POINTER
};

struct CublasLtFunctions {
#define GRAPHC_DECLARE_FUNCTION_POINTER(name, result, params) result(*name) params = nullptr;
  GRAPHC_CUBLASLT_FUNCTIONS(GRAPHC_DECLARE_FUNCTION_POINTER)
#undef GRAPHC_DECLARE_FUNCTION_POINTER
};

}  // namespace graphc::runtime::cuda
