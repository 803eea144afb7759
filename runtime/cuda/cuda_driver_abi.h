// The part of the CUDA driver API the runtime calls, declared by hand from
// cuda.h of CUDA 13.0 (CUDA_VERSION 13000), so the runtime builds without
// CUDA headers and trainers link no CUDA library: the functions are looked up
// in libcuda.so.1 with dlsym (runtime/cuda/cuda_driver.h).
//
// Invariants:
// - Every function is named by the symbol libcuda exports for the ABI that
//   code compiled against cuda.h 13.0 gets, i.e. after cuda.h's renaming
//   macros: cuMemAlloc is cuMemAlloc_v2, cuStreamBeginCapture is
//   cuStreamBeginCapture_v2, cuGraphInstantiate is cuGraphInstantiateWithFlags.
//   The legacy default stream is used (no _ptds/_ptsz variants). libcuda keeps
//   every exported version forever, so dlsym of these names is stable across
//   newer drivers; cuGetProcAddress would add nothing.
// - Types keep their C ABI: handles are pointers to the same struct tags
//   cuda.h uses, enums are int, CUdeviceptr is 64 bits on a 64-bit host.
// - codegen/cuda/cuda_abi_check.cpp, built wherever the CUDA toolkit is,
//   checks every signature and constant below against the real cuda.h at
//   compile time; a mismatch breaks the build.
#pragma once

#include <cstddef>

// The handle struct tags of cuda.h (so that, where both headers meet, these
// are the very same types).
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUgraph_st;
struct CUgraphExec_st;
struct CUevent_st;

namespace graphc::runtime::cuda {

using CUresult = int;  // enum cudaError_enum
using CUdevice = int;
using CUdeviceptr = unsigned long long;  // CUdeviceptr_v2
using CUcontext = CUctx_st*;
using CUmodule = CUmod_st*;
using CUfunction = CUfunc_st*;
using CUstream = CUstream_st*;
using CUgraph = CUgraph_st*;
using CUgraphExec = CUgraphExec_st*;
using CUevent = CUevent_st*;
using CUdevice_attribute = int;
using CUfunction_attribute = int;
using CUjit_option = int;
using CUstreamCaptureMode = int;

// The CUDA version these declarations match; the driver must support at
// least this (the kernels graphc embeds come from NVRTC of the same version).
inline constexpr int kCudaVersionDeclared = 13000;

// CUresult values the runtime tells apart.
inline constexpr CUresult kCudaSuccess = 0;
inline constexpr CUresult kCudaErrorNotInitialized = 3;
inline constexpr CUresult kCudaErrorStubLibrary = 34;
inline constexpr CUresult kCudaErrorNoDevice = 100;
inline constexpr CUresult kCudaErrorInvalidImage = 200;
inline constexpr CUresult kCudaErrorNoBinaryForGpu = 209;

// CUdevice_attribute
inline constexpr CUdevice_attribute kDeviceAttributeMaxThreadsPerBlock = 1;
inline constexpr CUdevice_attribute kDeviceAttributeMaxSharedMemoryPerBlock = 8;
inline constexpr CUdevice_attribute kDeviceAttributeWarpSize = 10;
inline constexpr CUdevice_attribute kDeviceAttributeMultiprocessorCount = 16;
inline constexpr CUdevice_attribute kDeviceAttributeL2CacheSize = 38;
inline constexpr CUdevice_attribute kDeviceAttributeComputeCapabilityMajor = 75;
inline constexpr CUdevice_attribute kDeviceAttributeComputeCapabilityMinor = 76;
inline constexpr CUdevice_attribute kDeviceAttributeMaxSharedMemoryPerBlockOptin = 97;

// CUfunction_attribute
inline constexpr CUfunction_attribute kFuncAttributeMaxDynamicSharedSizeBytes = 8;

// CUjit_option (for JIT-compiling PTX when no cubin fits the device)
inline constexpr CUjit_option kJitInfoLogBuffer = 3;
inline constexpr CUjit_option kJitInfoLogBufferSizeBytes = 4;
inline constexpr CUjit_option kJitErrorLogBuffer = 5;
inline constexpr CUjit_option kJitErrorLogBufferSizeBytes = 6;

// CUstreamCaptureMode
inline constexpr CUstreamCaptureMode kStreamCaptureModeGlobal = 0;
inline constexpr CUstreamCaptureMode kStreamCaptureModeThreadLocal = 1;
inline constexpr CUstreamCaptureMode kStreamCaptureModeRelaxed = 2;

// CUstream_flags
inline constexpr unsigned kStreamDefault = 0x0;
inline constexpr unsigned kStreamNonBlocking = 0x1;

// CUevent_flags
inline constexpr unsigned kEventDefault = 0x0;

// CUevent_record_flags: in a stream capture, an event record node of the
// graph (which each replay records) rather than a capture dependency.
inline constexpr unsigned kEventRecordDefault = 0x0;
inline constexpr unsigned kEventRecordExternal = 0x1;

}  // namespace graphc::runtime::cuda

// X(exported symbol, return type, (parameters)): every driver function the
// runtime resolves. Parameter names follow cuda.h's documentation.
#define GRAPHC_CUDA_DRIVER_FUNCTIONS(X)                                                                             \
  X(cuGetErrorName, CUresult, (CUresult error, const char** name))                                                  \
  X(cuGetErrorString, CUresult, (CUresult error, const char** text))                                                \
  X(cuDriverGetVersion, CUresult, (int* version))                                                                   \
  X(cuInit, CUresult, (unsigned int flags))                                                                         \
  X(cuDeviceGetCount, CUresult, (int* count))                                                                       \
  X(cuDeviceGet, CUresult, (CUdevice * device, int ordinal))                                                        \
  X(cuDeviceGetName, CUresult, (char* name, int length, CUdevice device))                                           \
  X(cuDeviceGetAttribute, CUresult, (int* value, CUdevice_attribute attribute, CUdevice device))                    \
  X(cuDeviceTotalMem_v2, CUresult, (size_t * bytes, CUdevice device))                                               \
  X(cuDevicePrimaryCtxRetain, CUresult, (CUcontext * context, CUdevice device))                                     \
  X(cuDevicePrimaryCtxRelease_v2, CUresult, (CUdevice device))                                                      \
  X(cuCtxSetCurrent, CUresult, (CUcontext context))                                                                 \
  X(cuCtxSynchronize, CUresult, ())                                                                                 \
  X(cuModuleLoadData, CUresult, (CUmodule * module, const void* image))                                             \
  X(cuModuleLoadDataEx, CUresult,                                                                                   \
    (CUmodule * module, const void* image, unsigned int option_count, CUjit_option* options, void** option_values)) \
  X(cuModuleUnload, CUresult, (CUmodule module))                                                                    \
  X(cuModuleGetFunction, CUresult, (CUfunction * function, CUmodule module, const char* name))                      \
  X(cuModuleGetGlobal_v2, CUresult, (CUdeviceptr * address, size_t * bytes, CUmodule module, const char* name))       \
  X(cuFuncSetAttribute, CUresult, (CUfunction function, CUfunction_attribute attribute, int value))                 \
  X(cuLaunchKernel, CUresult,                                                                                       \
    (CUfunction function, unsigned int grid_x, unsigned int grid_y, unsigned int grid_z, unsigned int block_x,      \
     unsigned int block_y, unsigned int block_z, unsigned int shared_bytes, CUstream stream, void** params,         \
     void** extra))                                                                                                 \
  X(cuMemGetInfo_v2, CUresult, (size_t * free_bytes, size_t * total_bytes))                                         \
  X(cuMemAlloc_v2, CUresult, (CUdeviceptr * pointer, size_t bytes))                                                 \
  X(cuMemFree_v2, CUresult, (CUdeviceptr pointer))                                                                  \
  X(cuMemAllocHost_v2, CUresult, (void** pointer, size_t bytes))                                                    \
  X(cuMemFreeHost, CUresult, (void* pointer))                                                                       \
  X(cuMemcpyHtoD_v2, CUresult, (CUdeviceptr destination, const void* source, size_t bytes))                         \
  X(cuMemcpyDtoH_v2, CUresult, (void* destination, CUdeviceptr source, size_t bytes))                               \
  X(cuMemcpyDtoD_v2, CUresult, (CUdeviceptr destination, CUdeviceptr source, size_t bytes))                         \
  X(cuMemcpyHtoDAsync_v2, CUresult, (CUdeviceptr destination, const void* source, size_t bytes, CUstream stream))   \
  X(cuMemcpyDtoHAsync_v2, CUresult, (void* destination, CUdeviceptr source, size_t bytes, CUstream stream))         \
  X(cuMemcpyDtoDAsync_v2, CUresult, (CUdeviceptr destination, CUdeviceptr source, size_t bytes, CUstream stream))   \
  X(cuMemsetD8_v2, CUresult, (CUdeviceptr destination, unsigned char value, size_t count))                          \
  X(cuMemsetD8Async, CUresult, (CUdeviceptr destination, unsigned char value, size_t count, CUstream stream))       \
  X(cuMemsetD32Async, CUresult, (CUdeviceptr destination, unsigned int value, size_t count, CUstream stream))       \
  X(cuStreamCreate, CUresult, (CUstream * stream, unsigned int flags))                                              \
  X(cuStreamDestroy_v2, CUresult, (CUstream stream))                                                                \
  X(cuStreamSynchronize, CUresult, (CUstream stream))                                                               \
  X(cuStreamBeginCapture_v2, CUresult, (CUstream stream, CUstreamCaptureMode mode))                                 \
  X(cuStreamEndCapture, CUresult, (CUstream stream, CUgraph * graph))                                               \
  X(cuGraphInstantiateWithFlags, CUresult, (CUgraphExec * executable, CUgraph graph, unsigned long long flags))     \
  X(cuGraphLaunch, CUresult, (CUgraphExec executable, CUstream stream))                                             \
  X(cuGraphExecDestroy, CUresult, (CUgraphExec executable))                                                         \
  X(cuGraphDestroy, CUresult, (CUgraph graph))                                                                      \
  X(cuEventCreate, CUresult, (CUevent * event, unsigned int flags))                                                 \
  X(cuEventRecord, CUresult, (CUevent event, CUstream stream))                                                      \
  X(cuEventRecordWithFlags, CUresult, (CUevent event, CUstream stream, unsigned int flags))                         \
  X(cuEventSynchronize, CUresult, (CUevent event))                                                                  \
  X(cuEventElapsedTime_v2, CUresult, (float* milliseconds, CUevent start, CUevent end))                             \
  X(cuEventDestroy_v2, CUresult, (CUevent event))

namespace graphc::runtime::cuda {

// One pointer per driver function, filled by CudaDriver::open.
struct DriverFunctions {
#define GRAPHC_DECLARE_FUNCTION_POINTER(name, result, params) result(*name) params = nullptr;
  GRAPHC_CUDA_DRIVER_FUNCTIONS(GRAPHC_DECLARE_FUNCTION_POINTER)
#undef GRAPHC_DECLARE_FUNCTION_POINTER
};

}  // namespace graphc::runtime::cuda
