// A stand-in for libcuda.so.1 that runs on the host, so the CUDA executor
// (runtime/cuda/cuda_executor.cpp) is tested end to end on machines without
// a GPU: the tests point GRAPHC_LIBCUDA at this library, and the executor
// opens it, allocates, copies, loads the module, launches and captures
// graphs exactly as it does on a GPU.
//
// - "Device memory" is host memory; a CUdeviceptr is its address.
// - A module image is not a cubin but the text "graphc-host-module:<path>",
//   a shared object holding the emitted CUDA C compiled as host C++ with
//   tests/cuda_host/host_kernel_shim.h, plus one entry point per __global__
//   function that the test generates: `void host_<name>(void** params,
//   unsigned grid, unsigned block)` and `int host_<name>_params` (the
//   number of parameters: the kernel's buffers, then n; 8 bytes each unless
//   `unsigned host_<name>_param_bytes[]` gives their sizes, as for the
//   device kernels that take one struct: runtime/cuda/device_kernels.h).
// - A stream runs its work at once; a capturing stream records it instead,
//   copying kernel parameters at record time as the real driver does, and a
//   graph launch replays the record.
// - Errors come back as the driver's codes, so the executor's checks and
//   messages are exercised too.
//
// Every function the runtime resolves (GRAPHC_CUDA_DRIVER_FUNCTIONS) is
// defined here with its declared signature; the X-macro list checks that.
// cuBLAS is emulated in fake_cublas.cpp, linked into the same library.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cuda/cuda_driver_abi.h"
#include "tests/cuda_host/fake_stream.h"

using namespace graphc::runtime::cuda;

struct CUctx_st {};
struct CUfunc_st {
  void (*entry)(void** params, unsigned grid, unsigned block);
  std::vector<unsigned> param_bytes;
};
struct CUmod_st {
  void* library;
  std::vector<std::unique_ptr<CUfunc_st>> functions;  // handed out by cuModuleGetFunction, freed with the module
};
struct CUgraph_st {
  std::vector<std::function<void()>> work;
};
struct CUgraphExec_st {
  std::vector<std::function<void()>> work;
};
struct CUevent_st {
  bool recorded = false;
  std::chrono::steady_clock::time_point at;
};

namespace {

constexpr CUresult kInvalidValue = 1;
constexpr CUresult kInvalidHandle = 400;
constexpr CUresult kOutOfMemory = 2;
constexpr CUresult kNotFound = 500;
constexpr CUresult kStreamCaptureUnsupported = 900;
constexpr const char* kModulePrefix = "graphc-host-module:";

CUctx_st the_context;

void* at(CUdeviceptr p) { return reinterpret_cast<void*>(static_cast<uintptr_t>(p)); }

}  // namespace

CUresult enqueue(CUstream stream, std::function<void()> work) {
  if (stream != nullptr && stream->capturing) {
    stream->recorded.push_back(std::move(work));
    return kCudaSuccess;
  }
  work();
  return kCudaSuccess;
}

extern "C" {

CUresult cuGetErrorName(CUresult error, const char** name) {
  switch (error) {
    case kCudaSuccess: *name = "CUDA_SUCCESS"; return kCudaSuccess;
    case kInvalidValue: *name = "CUDA_ERROR_INVALID_VALUE"; return kCudaSuccess;
    case kOutOfMemory: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return kCudaSuccess;
    case kCudaErrorInvalidImage: *name = "CUDA_ERROR_INVALID_IMAGE"; return kCudaSuccess;
    case kInvalidHandle: *name = "CUDA_ERROR_INVALID_HANDLE"; return kCudaSuccess;
    case kNotFound: *name = "CUDA_ERROR_NOT_FOUND"; return kCudaSuccess;
    case kStreamCaptureUnsupported: *name = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"; return kCudaSuccess;
    default: *name = nullptr; return kInvalidValue;
  }
}
CUresult cuGetErrorString(CUresult error, const char** text) {
  const char* name = nullptr;
  const CUresult r = cuGetErrorName(error, &name);
  *text = r == kCudaSuccess ? "host emulation error" : nullptr;
  return r;
}
CUresult cuDriverGetVersion(int* version) {
  *version = kCudaVersionDeclared;
  return kCudaSuccess;
}
CUresult cuInit(unsigned int) { return kCudaSuccess; }
CUresult cuDeviceGetCount(int* count) {
  *count = 1;
  return kCudaSuccess;
}
CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (ordinal != 0) return kInvalidValue;
  *device = 0;
  return kCudaSuccess;
}
CUresult cuDeviceGetName(char* name, int length, CUdevice) {
  std::strncpy(name, "graphc host emulation", static_cast<size_t>(length));
  name[length - 1] = '\0';
  return kCudaSuccess;
}
CUresult cuDeviceGetAttribute(int* value, CUdevice_attribute attribute, CUdevice) {
  switch (attribute) {
    case kDeviceAttributeMaxThreadsPerBlock: *value = 1024; break;
    case kDeviceAttributeMaxSharedMemoryPerBlock: *value = 48 * 1024; break;
    case kDeviceAttributeWarpSize: *value = 32; break;
    // One multiprocessor: the executor caps grids at 32 blocks a multiprocessor,
    // so grid-stride loops wrap on anything bigger than 8192 threads.
    case kDeviceAttributeMultiprocessorCount: *value = 1; break;
    case kDeviceAttributeL2CacheSize: *value = 1 << 20; break;
    case kDeviceAttributeComputeCapabilityMajor: *value = 9; break;
    case kDeviceAttributeComputeCapabilityMinor: *value = 0; break;
    case kDeviceAttributeMaxSharedMemoryPerBlockOptin: *value = 48 * 1024; break;
    default: return kInvalidValue;
  }
  return kCudaSuccess;
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) {
  *bytes = size_t{8} << 30;
  return kCudaSuccess;
}
CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice) {
  *context = &the_context;
  return kCudaSuccess;
}
CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) { return kCudaSuccess; }
CUresult cuCtxSetCurrent(CUcontext) { return kCudaSuccess; }
CUresult cuCtxSynchronize() { return kCudaSuccess; }

CUresult cuModuleLoadData(CUmodule* module, const void* image) {
  const char* text = static_cast<const char*>(image);
  if (std::strncmp(text, kModulePrefix, std::strlen(kModulePrefix)) != 0) return kCudaErrorInvalidImage;
  void* library = dlopen(text + std::strlen(kModulePrefix), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return kCudaErrorInvalidImage;
  *module = new CUmod_st{library, {}};
  return kCudaSuccess;
}
CUresult cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int, CUjit_option*, void**) {
  return cuModuleLoadData(module, image);
}
CUresult cuModuleUnload(CUmodule module) {
  dlclose(module->library);
  delete module;
  return kCudaSuccess;
}
// A module's global is the host module's variable of that name (extern "C").
CUresult cuModuleGetGlobal_v2(CUdeviceptr* address, size_t* bytes, CUmodule module, const char* name) {
  void* variable = dlsym(module->library, name);
  if (variable == nullptr) return kNotFound;
  if (address != nullptr) *address = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(variable));
  if (bytes != nullptr) *bytes = sizeof(int);  // the only globals the modules have are ints
  return kCudaSuccess;
}
CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
  const std::string entry = std::string("host_") + name;
  void* fn = dlsym(module->library, entry.c_str());
  void* params = dlsym(module->library, (entry + "_params").c_str());
  if (fn == nullptr || params == nullptr) return kNotFound;
  const int count = *static_cast<int*>(params);
  std::vector<unsigned> bytes(static_cast<size_t>(count), 8);
  if (auto* sizes = static_cast<const unsigned*>(dlsym(module->library, (entry + "_param_bytes").c_str())))
    bytes.assign(sizes, sizes + count);
  module->functions.push_back(std::make_unique<CUfunc_st>(
      CUfunc_st{reinterpret_cast<void (*)(void**, unsigned, unsigned)>(fn), std::move(bytes)}));
  *function = module->functions.back().get();
  return kCudaSuccess;
}
CUresult cuFuncSetAttribute(CUfunction, CUfunction_attribute, int) { return kCudaSuccess; }
CUresult cuLaunchKernel(CUfunction function, unsigned int grid_x, unsigned int grid_y, unsigned int grid_z,
                        unsigned int block_x, unsigned int block_y, unsigned int block_z, unsigned int shared_bytes,
                        CUstream stream, void** params, void** extra) {
  if (grid_x == 0 || grid_y != 1 || grid_z != 1 || block_x == 0 || block_x > 1024 || block_y != 1 || block_z != 1 ||
      shared_bytes != 0 || extra != nullptr || params == nullptr)
    return kInvalidValue;
  // Parameters are copied when the launch is made, as the driver does.
  std::vector<std::vector<uint64_t>> values;
  for (size_t i = 0; i < function->param_bytes.size(); ++i) {
    values.emplace_back((function->param_bytes[i] + 7) / 8);
    std::memcpy(values.back().data(), params[i], function->param_bytes[i]);
  }
  return enqueue(stream, [function, values, grid_x, block_x]() mutable {
    std::vector<void*> pointers;
    for (std::vector<uint64_t>& v : values) pointers.push_back(v.data());
    function->entry(pointers.data(), grid_x, block_x);
  });
}

CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = *total_bytes = size_t{8} << 30;
  return kCudaSuccess;
}
CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes) {
  if (bytes == 0) return kInvalidValue;
  void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (p == nullptr) return kOutOfMemory;
  std::memset(p, 0xA5, bytes);  // not zero: the executor must not rely on fresh memory being cleared
  *pointer = reinterpret_cast<uintptr_t>(p);
  return kCudaSuccess;
}
CUresult cuMemFree_v2(CUdeviceptr pointer) {
  std::free(at(pointer));
  return kCudaSuccess;
}
CUresult cuMemAllocHost_v2(void** pointer, size_t bytes) {
  if (bytes == 0) return kInvalidValue;
  *pointer = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *pointer != nullptr ? kCudaSuccess : kOutOfMemory;
}
CUresult cuMemFreeHost(void* pointer) {
  std::free(pointer);
  return kCudaSuccess;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr destination, const void* source, size_t bytes) {
  std::memcpy(at(destination), source, bytes);
  return kCudaSuccess;
}
CUresult cuMemcpyDtoH_v2(void* destination, CUdeviceptr source, size_t bytes) {
  std::memcpy(destination, at(source), bytes);
  return kCudaSuccess;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr destination, CUdeviceptr source, size_t bytes) {
  std::memmove(at(destination), at(source), bytes);
  return kCudaSuccess;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr destination, const void* source, size_t bytes, CUstream stream) {
  // The driver refuses pageable host memory in a capture; so does this.
  if (stream != nullptr && stream->capturing) return kStreamCaptureUnsupported;
  return enqueue(stream, [=] { std::memcpy(at(destination), source, bytes); });
}
CUresult cuMemcpyDtoHAsync_v2(void* destination, CUdeviceptr source, size_t bytes, CUstream stream) {
  if (stream != nullptr && stream->capturing) return kStreamCaptureUnsupported;
  return enqueue(stream, [=] { std::memcpy(destination, at(source), bytes); });
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr destination, CUdeviceptr source, size_t bytes, CUstream stream) {
  return enqueue(stream, [=] { std::memmove(at(destination), at(source), bytes); });
}
CUresult cuMemsetD8_v2(CUdeviceptr destination, unsigned char value, size_t count) {
  std::memset(at(destination), value, count);
  return kCudaSuccess;
}
CUresult cuMemsetD8Async(CUdeviceptr destination, unsigned char value, size_t count, CUstream stream) {
  return enqueue(stream, [=] { std::memset(at(destination), value, count); });
}
CUresult cuMemsetD32Async(CUdeviceptr destination, unsigned int value, size_t count, CUstream stream) {
  return enqueue(stream, [=] {
    auto* p = static_cast<unsigned int*>(at(destination));
    for (size_t i = 0; i < count; ++i) p[i] = value;
  });
}

CUresult cuStreamCreate(CUstream* stream, unsigned int) {
  *stream = new CUstream_st;
  return kCudaSuccess;
}
CUresult cuStreamDestroy_v2(CUstream stream) {
  delete stream;
  return kCudaSuccess;
}
CUresult cuStreamSynchronize(CUstream) { return kCudaSuccess; }
CUresult cuStreamBeginCapture_v2(CUstream stream, CUstreamCaptureMode) {
  if (stream == nullptr || stream->capturing) return kInvalidValue;
  stream->capturing = true;
  stream->recorded.clear();
  return kCudaSuccess;
}
CUresult cuStreamEndCapture(CUstream stream, CUgraph* graph) {
  if (stream == nullptr || !stream->capturing) return kInvalidValue;
  stream->capturing = false;
  *graph = new CUgraph_st{std::move(stream->recorded)};
  stream->recorded.clear();
  return kCudaSuccess;
}
CUresult cuGraphInstantiateWithFlags(CUgraphExec* executable, CUgraph graph, unsigned long long) {
  *executable = new CUgraphExec_st{graph->work};
  return kCudaSuccess;
}
CUresult cuGraphLaunch(CUgraphExec executable, CUstream stream) {
  return enqueue(stream, [executable] {
    for (const auto& work : executable->work) work();
  });
}
CUresult cuGraphExecDestroy(CUgraphExec executable) {
  delete executable;
  return kCudaSuccess;
}
CUresult cuGraphDestroy(CUgraph graph) {
  delete graph;
  return kCudaSuccess;
}
CUresult cuEventCreate(CUevent* event, unsigned int) {
  *event = new CUevent_st;
  return kCudaSuccess;
}
// An event holds the host's time when the stream reached it; recorded in a
// capture without the external flag it only orders the capture, as on a GPU.
CUresult cuEventRecordWithFlags(CUevent event, CUstream stream, unsigned int flags) {
  if (event == nullptr || flags > kEventRecordExternal) return kInvalidValue;
  const bool capturing = stream != nullptr && stream->capturing;
  if (flags == kEventRecordExternal && !capturing) return kInvalidValue;
  if (capturing && flags != kEventRecordExternal) return kCudaSuccess;
  return enqueue(stream, [event] {
    event->recorded = true;
    event->at = std::chrono::steady_clock::now();
  });
}
CUresult cuEventRecord(CUevent event, CUstream stream) {
  return cuEventRecordWithFlags(event, stream, kEventRecordDefault);
}
CUresult cuEventSynchronize(CUevent) { return kCudaSuccess; }
CUresult cuEventElapsedTime_v2(float* milliseconds, CUevent start, CUevent end) {
  if (start == nullptr || end == nullptr || !start->recorded || !end->recorded) return kInvalidHandle;
  *milliseconds = std::chrono::duration<float, std::milli>(end->at - start->at).count();
  return kCudaSuccess;
}
CUresult cuEventDestroy_v2(CUevent event) {
  delete event;
  return kCudaSuccess;
}

}  // extern "C"

// Each definition above has the signature the runtime declares.
#define GRAPHC_CHECK_SIGNATURE(name, result, params) \
  static_assert(std::is_same_v<decltype(&::name), result(*) params>, #name " differs from its declaration");
GRAPHC_CUDA_DRIVER_FUNCTIONS(GRAPHC_CHECK_SIGNATURE)
#undef GRAPHC_CHECK_SIGNATURE
