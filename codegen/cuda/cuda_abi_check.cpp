// The runtime declares the CUDA driver, cuBLAS and cuBLASLt APIs by hand
// (runtime/cuda/*_abi.h) so trainers build and link without CUDA. This file
// holds those declarations against the real headers of the toolkit graphc
// is built with, at compile time: a wrong parameter, a wrong enum value or a
// wrong struct layout breaks the build here instead of corrupting a call on
// the GPU machine. It lives in codegen/cuda because that is what is built
// only where the CUDA toolkit is found. It has no code.
//
// Signatures are compared by calling convention, not by name: enums are
// compared as int (the runtime declares them int), pointers by what they
// point to, and struct types as "some struct" (their layouts are checked
// separately where they cross the ABI by value).
#include <cublasLt.h>
#include <cublas_api.h>
#include <cuda.h>

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "runtime/cuda/cublas_abi.h"
#include "runtime/cuda/cuda_driver_abi.h"

namespace graphc::codegen::cuda {
namespace {

namespace ours = graphc::runtime::cuda;

struct SomeStruct {};

template <typename T>
struct Abi {  // arithmetic types and void: compared as they are
  using type = T;
};
template <typename T>
requires std::is_enum_v<T>
struct Abi<T> {
  static_assert(sizeof(T) == sizeof(int));
  using type = int;
};
template <typename T>
requires std::is_class_v<T>
struct Abi<T> {
  using type = SomeStruct;
};
template <typename T>
struct Abi<T*> {
  using pointee = typename Abi<std::remove_const_t<T>>::type;
  using type = std::conditional_t<std::is_const_v<T>, const pointee, pointee>*;
};
template <typename Result, typename... Params>
struct Abi<Result (*)(Params...)> {
  using type = std::tuple<typename Abi<Result>::type, typename Abi<Params>::type...>;
};
template <typename T>
using abi_t = typename Abi<T>::type;

template <typename Real, typename Declared>
constexpr bool same_abi = std::is_same_v<abi_t<Real>, abi_t<Declared>>;

// Functions.
#define GRAPHC_CHECK_FUNCTION(table, name, result, params) \
  static_assert(same_abi<decltype(&::name), decltype(ours::table::name)>, #name " differs from the CUDA headers");
#define GRAPHC_CHECK_DRIVER_FUNCTION(name, result, params) GRAPHC_CHECK_FUNCTION(DriverFunctions, name, result, params)
#define GRAPHC_CHECK_CUBLAS_FUNCTION(name, result, params) GRAPHC_CHECK_FUNCTION(CublasFunctions, name, result, params)
#define GRAPHC_CHECK_CUBLASLT_FUNCTION(name, result, params) \
  GRAPHC_CHECK_FUNCTION(CublasLtFunctions, name, result, params)
GRAPHC_CUDA_DRIVER_FUNCTIONS(GRAPHC_CHECK_DRIVER_FUNCTION)
GRAPHC_CUBLAS_FUNCTIONS(GRAPHC_CHECK_CUBLAS_FUNCTION)
GRAPHC_CUBLASLT_FUNCTIONS(GRAPHC_CHECK_CUBLASLT_FUNCTION)

// The C function among cublasGemmStridedBatchedEx's overloads.
using RealGemmStridedBatchedEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                                    const void*, const void*, cudaDataType, int, long long, const void*,
                                                    cudaDataType, int, long long, const void*, void*, cudaDataType, int,
                                                    long long, int, cublasComputeType_t, cublasGemmAlgo_t);
[[maybe_unused]] constexpr RealGemmStridedBatchedEx kRealGemmStridedBatchedEx = &::cublasGemmStridedBatchedEx;
static_assert(same_abi<RealGemmStridedBatchedEx, decltype(ours::CublasFunctions::cublasGemmStridedBatchedEx)>,
              "cublasGemmStridedBatchedEx differs from the CUDA headers");
// Every overloaded function is checked above, one by one.
#define GRAPHC_COUNT_FUNCTION(name, result, params) +1
static_assert(0 GRAPHC_CUBLAS_OVERLOADED_FUNCTIONS(GRAPHC_COUNT_FUNCTION) == 1);

// Handles are the same types, not merely the same size.
static_assert(std::is_same_v<ours::CUcontext, ::CUcontext>);
static_assert(std::is_same_v<ours::CUmodule, ::CUmodule>);
static_assert(std::is_same_v<ours::CUfunction, ::CUfunction>);
static_assert(std::is_same_v<ours::CUstream, ::CUstream>);
static_assert(std::is_same_v<ours::CUgraph, ::CUgraph>);
static_assert(std::is_same_v<ours::CUgraphExec, ::CUgraphExec>);
static_assert(std::is_same_v<ours::CUevent, ::CUevent>);
static_assert(std::is_same_v<ours::CUdevice, ::CUdevice>);
static_assert(std::is_same_v<ours::CUdeviceptr, ::CUdeviceptr>);
static_assert(std::is_same_v<ours::cudaStream_t, ::cudaStream_t>);
static_assert(std::is_same_v<ours::cublasHandle_t, ::cublasHandle_t>);
static_assert(std::is_same_v<ours::cublasLtHandle_t, ::cublasLtHandle_t>);

// Structs cuBLASLt reads and writes through pointers the runtime allocates.
static_assert(sizeof(ours::cublasLtMatmulAlgo_t) == sizeof(::cublasLtMatmulAlgo_t));
static_assert(sizeof(ours::cublasLtMatmulHeuristicResult_t) == sizeof(::cublasLtMatmulHeuristicResult_t));
static_assert(alignof(ours::cublasLtMatmulHeuristicResult_t) == alignof(::cublasLtMatmulHeuristicResult_t));
static_assert(offsetof(ours::cublasLtMatmulHeuristicResult_t, workspaceSize) ==
              offsetof(::cublasLtMatmulHeuristicResult_t, workspaceSize));
static_assert(offsetof(ours::cublasLtMatmulHeuristicResult_t, state) ==
              offsetof(::cublasLtMatmulHeuristicResult_t, state));
static_assert(offsetof(ours::cublasLtMatmulHeuristicResult_t, wavesCount) ==
              offsetof(::cublasLtMatmulHeuristicResult_t, wavesCount));
static_assert(sizeof(ours::cublasLtMatmulDescOpaque_t) == sizeof(::cublasLtMatmulDescOpaque_t));
static_assert(sizeof(ours::cublasLtMatrixLayoutOpaque_t) == sizeof(::cublasLtMatrixLayoutOpaque_t));
static_assert(sizeof(ours::cublasLtMatmulPreferenceOpaque_t) == sizeof(::cublasLtMatmulPreferenceOpaque_t));

// Constants.
static_assert(ours::kCudaVersionDeclared == CUDA_VERSION);
static_assert(ours::kCudaSuccess == CUDA_SUCCESS);
static_assert(ours::kCudaErrorNotInitialized == CUDA_ERROR_NOT_INITIALIZED);
static_assert(ours::kCudaErrorStubLibrary == CUDA_ERROR_STUB_LIBRARY);
static_assert(ours::kCudaErrorNoDevice == CUDA_ERROR_NO_DEVICE);
static_assert(ours::kCudaErrorInvalidImage == CUDA_ERROR_INVALID_IMAGE);
static_assert(ours::kCudaErrorNoBinaryForGpu == CUDA_ERROR_NO_BINARY_FOR_GPU);
static_assert(ours::kDeviceAttributeMaxThreadsPerBlock == CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
static_assert(ours::kDeviceAttributeMaxSharedMemoryPerBlock == CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
static_assert(ours::kDeviceAttributeWarpSize == CU_DEVICE_ATTRIBUTE_WARP_SIZE);
static_assert(ours::kDeviceAttributeMultiprocessorCount == CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
static_assert(ours::kDeviceAttributeL2CacheSize == CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
static_assert(ours::kDeviceAttributeComputeCapabilityMajor == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
static_assert(ours::kDeviceAttributeComputeCapabilityMinor == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
static_assert(ours::kDeviceAttributeMaxSharedMemoryPerBlockOptin ==
              CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
static_assert(ours::kFuncAttributeMaxDynamicSharedSizeBytes == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
static_assert(ours::kJitInfoLogBuffer == CU_JIT_INFO_LOG_BUFFER);
static_assert(ours::kJitInfoLogBufferSizeBytes == CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
static_assert(ours::kJitErrorLogBuffer == CU_JIT_ERROR_LOG_BUFFER);
static_assert(ours::kJitErrorLogBufferSizeBytes == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
static_assert(ours::kStreamCaptureModeGlobal == CU_STREAM_CAPTURE_MODE_GLOBAL);
static_assert(ours::kStreamCaptureModeThreadLocal == CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
static_assert(ours::kStreamCaptureModeRelaxed == CU_STREAM_CAPTURE_MODE_RELAXED);
static_assert(ours::kStreamDefault == CU_STREAM_DEFAULT);
static_assert(ours::kStreamNonBlocking == CU_STREAM_NON_BLOCKING);
static_assert(ours::kEventDefault == CU_EVENT_DEFAULT);
static_assert(ours::kEventRecordDefault == CU_EVENT_RECORD_DEFAULT);
static_assert(ours::kEventRecordExternal == CU_EVENT_RECORD_EXTERNAL);

static_assert(ours::kCublasStatusSuccess == CUBLAS_STATUS_SUCCESS);
static_assert(ours::kCublasStatusNotInitialized == CUBLAS_STATUS_NOT_INITIALIZED);
static_assert(ours::kCublasOpN == CUBLAS_OP_N);
static_assert(ours::kCublasOpT == CUBLAS_OP_T);
static_assert(ours::kCublasDefaultMath == CUBLAS_DEFAULT_MATH);
static_assert(ours::kCublasPedanticMath == CUBLAS_PEDANTIC_MATH);
static_assert(ours::kCublasTf32TensorOpMath == CUBLAS_TF32_TENSOR_OP_MATH);
static_assert(ours::kCublasMathDisallowReducedPrecisionReduction == CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION);
static_assert(ours::kCublasCompute32F == CUBLAS_COMPUTE_32F);
static_assert(ours::kCublasCompute32FPedantic == CUBLAS_COMPUTE_32F_PEDANTIC);
static_assert(ours::kCublasCompute32FFastTf32 == CUBLAS_COMPUTE_32F_FAST_TF32);
static_assert(ours::kCublasGemmDefault == CUBLAS_GEMM_DEFAULT);
static_assert(ours::kCudaR32F == CUDA_R_32F);
static_assert(ours::kCudaR16F == CUDA_R_16F);
static_assert(ours::kCudaR16BF == CUDA_R_16BF);
static_assert(ours::kMajorVersion == MAJOR_VERSION);
static_assert(ours::kMinorVersion == MINOR_VERSION);
static_assert(ours::kPatchLevel == PATCH_LEVEL);

static_assert(ours::kLtMatmulDescComputeType == CUBLASLT_MATMUL_DESC_COMPUTE_TYPE);
static_assert(ours::kLtMatmulDescScaleType == CUBLASLT_MATMUL_DESC_SCALE_TYPE);
static_assert(ours::kLtMatmulDescTransA == CUBLASLT_MATMUL_DESC_TRANSA);
static_assert(ours::kLtMatmulDescTransB == CUBLASLT_MATMUL_DESC_TRANSB);
static_assert(ours::kLtMatmulDescEpilogue == CUBLASLT_MATMUL_DESC_EPILOGUE);
static_assert(ours::kLtMatmulDescBiasPointer == CUBLASLT_MATMUL_DESC_BIAS_POINTER);
static_assert(ours::kLtMatmulDescBiasBatchStride == CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE);
static_assert(ours::kLtMatmulDescEpilogueAuxPointer == CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER);
static_assert(ours::kLtMatmulDescEpilogueAuxLd == CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD);
static_assert(ours::kLtMatmulDescEpilogueAuxBatchStride == CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_BATCH_STRIDE);
static_assert(ours::kLtMatmulDescBiasDataType == CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE);
static_assert(ours::kLtMatrixLayoutOrder == CUBLASLT_MATRIX_LAYOUT_ORDER);
static_assert(ours::kLtMatrixLayoutBatchCount == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT);
static_assert(ours::kLtMatrixLayoutStridedBatchOffset == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET);
static_assert(ours::kLtOrderCol == CUBLASLT_ORDER_COL);
static_assert(ours::kLtOrderRow == CUBLASLT_ORDER_ROW);
static_assert(ours::kLtMatmulPrefMaxWorkspaceBytes == CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES);
static_assert(ours::kLtEpilogueDefault == CUBLASLT_EPILOGUE_DEFAULT);
static_assert(ours::kLtEpilogueRelu == CUBLASLT_EPILOGUE_RELU);
static_assert(ours::kLtEpilogueBias == CUBLASLT_EPILOGUE_BIAS);
static_assert(ours::kLtEpilogueReluBias == CUBLASLT_EPILOGUE_RELU_BIAS);
static_assert(ours::kLtEpilogueReluAux == CUBLASLT_EPILOGUE_RELU_AUX);
static_assert(ours::kLtEpilogueReluAuxBias == CUBLASLT_EPILOGUE_RELU_AUX_BIAS);
static_assert(ours::kLtEpilogueDrelu == CUBLASLT_EPILOGUE_DRELU);
static_assert(ours::kLtEpilogueDreluBgrad == CUBLASLT_EPILOGUE_DRELU_BGRAD);
static_assert(ours::kLtEpilogueGelu == CUBLASLT_EPILOGUE_GELU);
static_assert(ours::kLtEpilogueGeluBias == CUBLASLT_EPILOGUE_GELU_BIAS);
static_assert(ours::kLtEpilogueBgradA == CUBLASLT_EPILOGUE_BGRADA);
static_assert(ours::kLtEpilogueBgradB == CUBLASLT_EPILOGUE_BGRADB);

}  // namespace
}  // namespace graphc::codegen::cuda
