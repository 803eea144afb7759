// The CUDA driver, opened with dlopen when a trainer asks for --device cuda.
// Opening it resolves every function of GRAPHC_CUDA_DRIVER_FUNCTIONS,
// initializes the driver and counts the devices, so a CudaDriver that exists
// is one the executor can use; every way that can fail becomes a
// graphc::Error a user can act on (no driver library, a driver too old, no
// device, the toolkit's stub library found instead of a driver).
//
// Every driver call goes through GRAPHC_CU_CHECK, which turns a failing
// CUresult into a graphc::Error naming the call, the error's name and text,
// and the source line.
#pragma once

#include <memory>
#include <string>

#include "runtime/cuda/cuda_driver_abi.h"
#include "runtime/cuda/dynamic_library.h"

namespace graphc::runtime::cuda {

struct CudaDeviceInfo {
  int ordinal = 0;
  std::string name;
  int compute_major = 0;  // 9 for an H100
  int compute_minor = 0;
  int multiprocessors = 0;
  size_t total_memory = 0;  // bytes
  // "sm_90": the architecture a cubin must have been compiled for.
  std::string arch() const;
};

class CudaDriver {
 public:
  // Throws graphc::Error when `library` (a file name the loader searches for,
  // or a path) cannot be opened or lacks a function, or when the driver
  // cannot initialize or sees no device. The messages name the library and
  // say what this means for --device cuda.
  static std::unique_ptr<CudaDriver> open(const std::string& library);

  // $GRAPHC_LIBCUDA when set (a driver installed outside the loader's path,
  // or a test pointing at a file that is not a driver), else libcuda.so.1:
  // the driver installer always puts that on the loader's path, and the
  // toolkit's libcuda.so is a stub that must not be picked up instead.
  static std::string library_name();

  DriverFunctions api;

  const std::string& library_path() const { return library_.path(); }
  int version() const { return version_; }  // e.g. 13000 for CUDA 13.0
  int device_count() const { return device_count_; }

  CudaDeviceInfo device_info(int ordinal) const;

  // "CUDA_ERROR_OUT_OF_MEMORY (out of memory)", or the number when the driver
  // cannot name it.
  std::string describe(CUresult result) const;

  // Throws graphc::Error "<call> failed: <describe(result)> (at file:line)"
  // unless result is kCudaSuccess.
  void check(CUresult result, const char* call, const char* file, int line) const;

  // Loads a module from the cubin when the device runs it, else JIT-compiles
  // the PTX (kept NUL-terminated by std::string), reporting the JIT's log on
  // failure. `what` names the module in errors. Needs a current context.
  CUmodule load_module(const std::string& cubin, const std::string& ptx, const std::string& what) const;

 private:
  explicit CudaDriver(DynamicLibrary library) : library_(std::move(library)) {}
  DynamicLibrary library_;
  int version_ = 0;
  int device_count_ = 0;
};

// The process's driver: opened on first use from library_name(), shared by
// everything after. A failure to open is remembered and thrown again, with
// the same message, on every call.
const CudaDriver& cuda_driver();

// "13.0" from 13000.
std::string cuda_version_text(int version);

}  // namespace graphc::runtime::cuda

// GRAPHC_CU_CHECK(driver, cuMemAlloc_v2(&pointer, bytes)) calls the driver's
// cuMemAlloc_v2 and throws graphc::Error naming the call when it fails.
#define GRAPHC_CU_CHECK(driver, call) (driver).check((driver).api.call, #call, __FILE__, __LINE__)
