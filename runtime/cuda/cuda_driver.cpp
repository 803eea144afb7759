#include "runtime/cuda/cuda_driver.h"

#include <cstdlib>

#include "ir/error.h"
#include "runtime/cuda/failed_call.h"

namespace graphc::runtime::cuda {

std::string cuda_version_text(int version) { return cat(version / 1000, ".", version % 1000 / 10); }

std::string CudaDeviceInfo::arch() const { return cat("sm_", compute_major, compute_minor); }

std::string CudaDriver::library_name() {
  const char* override_name = std::getenv("GRAPHC_LIBCUDA");
  if (override_name != nullptr && override_name[0] != '\0') return override_name;
  return "libcuda.so.1";
}

std::unique_ptr<CudaDriver> CudaDriver::open(const std::string& library) {
  std::string failures;
  std::optional<DynamicLibrary> opened = DynamicLibrary::open_first({library}, failures);
  if (!opened)
    throw Error(cat("the NVIDIA driver library ", library, " cannot be loaded (", failures,
                    "); this machine has no usable NVIDIA driver"));
  std::unique_ptr<CudaDriver> driver(new CudaDriver(std::move(*opened)));
  const std::string& path = driver->library_path();

  // The version first: it needs no cuInit and explains a missing function.
  CUresult versioned = kCudaErrorNotInitialized;
  if (driver->library_.resolve("cuDriverGetVersion", driver->api.cuDriverGetVersion))
    versioned = driver->api.cuDriverGetVersion(&driver->version_);
  std::string version =
      versioned == kCudaSuccess ? cat("CUDA ", cuda_version_text(driver->version_)) : "CUDA version unknown";
#define GRAPHC_RESOLVE_DRIVER_FUNCTION(name, result, params)                             \
  if (!driver->library_.resolve(#name, driver->api.name))                                \
    throw Error(cat("the NVIDIA driver ", path, " (", version,                           \
                    ") lacks " #name "; graphc's CUDA runtime needs a driver for CUDA ", \
                    cuda_version_text(kCudaVersionDeclared), " or newer: update the NVIDIA driver"));
  GRAPHC_CUDA_DRIVER_FUNCTIONS(GRAPHC_RESOLVE_DRIVER_FUNCTION)
#undef GRAPHC_RESOLVE_DRIVER_FUNCTION

  CUresult init = driver->api.cuInit(0);
  if (init == kCudaErrorStubLibrary)
    throw Error(cat(path, " is the CUDA toolkit's stub library, not a driver (cuInit: ", driver->describe(init),
                    "); this machine has no usable NVIDIA driver"));
  if (init == kCudaErrorNoDevice)
    throw Error(cat("the NVIDIA driver ", path, " (", version, ") found no CUDA device (cuInit: ",
                    driver->describe(init), "); check that a GPU is present and visible (CUDA_VISIBLE_DEVICES)"));
  if (init != kCudaSuccess)
    throw Error(cat("the NVIDIA driver ", path, " (", version, ") failed to initialize (cuInit: ",
                    driver->describe(init), "); this machine has no usable NVIDIA GPU"));
  if (versioned != kCudaSuccess)
    throw Error(cat("the NVIDIA driver ", path,
                    " cannot report its CUDA version (cuDriverGetVersion: ", driver->describe(versioned), ")"));
  CUresult counted = driver->api.cuDeviceGetCount(&driver->device_count_);
  if (counted != kCudaSuccess || driver->device_count_ < 1)
    throw Error(cat("the NVIDIA driver ", path, " (", version, ") found no CUDA device",
                    counted != kCudaSuccess ? cat(" (cuDeviceGetCount: ", driver->describe(counted), ")") : "",
                    "; check that a GPU is present and visible (CUDA_VISIBLE_DEVICES)"));
  return driver;
}

std::string CudaDriver::describe(CUresult result) const {
  const char* name = nullptr;
  const char* text = nullptr;
  if (api.cuGetErrorName == nullptr || api.cuGetErrorName(result, &name) != kCudaSuccess || name == nullptr)
    return cat("CUDA error ", result);
  if (api.cuGetErrorString == nullptr || api.cuGetErrorString(result, &text) != kCudaSuccess || text == nullptr)
    return name;
  return cat(name, " (", text, ")");
}

void CudaDriver::check(CUresult result, const char* call, const char* file, int line) const {
  if (result == kCudaSuccess) return;
  throw Error(failed_call_message(call, describe(result), file, line));
}

CudaDeviceInfo CudaDriver::device_info(int ordinal) const {
  CudaDeviceInfo info;
  info.ordinal = ordinal;
  CUdevice device = 0;
  GRAPHC_CU_CHECK(*this, cuDeviceGet(&device, ordinal));
  char name[256] = {};
  GRAPHC_CU_CHECK(*this, cuDeviceGetName(name, static_cast<int>(sizeof name), device));
  info.name = name;
  GRAPHC_CU_CHECK(*this, cuDeviceGetAttribute(&info.compute_major, kDeviceAttributeComputeCapabilityMajor, device));
  GRAPHC_CU_CHECK(*this, cuDeviceGetAttribute(&info.compute_minor, kDeviceAttributeComputeCapabilityMinor, device));
  GRAPHC_CU_CHECK(*this, cuDeviceGetAttribute(&info.multiprocessors, kDeviceAttributeMultiprocessorCount, device));
  GRAPHC_CU_CHECK(*this, cuDeviceTotalMem_v2(&info.total_memory, device));
  return info;
}

CUmodule CudaDriver::load_module(const std::string& cubin, const std::string& ptx, const std::string& what) const {
  CUmodule module = nullptr;
  CUresult from_cubin = kCudaErrorNoBinaryForGpu;
  if (!cubin.empty()) {
    from_cubin = api.cuModuleLoadData(&module, cubin.data());
    if (from_cubin == kCudaSuccess) return module;
    // Anything but "this cubin is not for this device" is a real failure
    // (a corrupt image, out of memory) that PTX would only hide.
    if (from_cubin != kCudaErrorNoBinaryForGpu && from_cubin != kCudaErrorInvalidImage)
      throw Error(cat("loading the cubin of ", what, " failed: ", describe(from_cubin)));
  }
  if (ptx.empty())
    throw Error(cat("no code of ", what, " runs on this device: its cubin does not fit (", describe(from_cubin),
                    ") and it has no PTX to JIT-compile"));
  char error_log[8192] = {};
  CUjit_option options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void* values[] = {error_log, reinterpret_cast<void*>(sizeof error_log)};
  CUresult jitted = api.cuModuleLoadDataEx(&module, ptx.c_str(), 2, options, values);
  if (jitted != kCudaSuccess)
    throw Error(cat("JIT-compiling the PTX of ", what, " failed: ", describe(jitted),
                    error_log[0] != '\0' ? cat("\n", error_log) : ""));
  return module;
}

const CudaDriver& cuda_driver() {
  struct Opened {
    std::unique_ptr<CudaDriver> driver;
    std::string error;
  };
  static const Opened opened = [] {
    Opened result;
    try {
      result.driver = CudaDriver::open(CudaDriver::library_name());
    } catch (const Error& e) {
      result.error = e.what();
    }
    return result;
  }();
  if (!opened.driver) throw Error(opened.error);
  return *opened.driver;
}

}  // namespace graphc::runtime::cuda
