// cuBLAS and cuBLASLt of CUDA 13, opened with dlopen when a trainer runs
// with --device cuda: GEMMs go through them, every other kernel is graphc's.
//
// Where the libraries are looked for, in order (the first location where
// both open wins, cuBLASLt first so that cuBLAS's own dependency on it
// resolves to the same file):
//   1. $GRAPHC_CUBLAS_DIR, alone, when set: the escape hatch for a machine
//      whose cuBLAS lives somewhere else (e.g. a Python wheel's nvidia/ folder).
//   2. The loader's search path by soname (LD_LIBRARY_PATH, ld.so.cache):
//      where a system CUDA install registers them (on the development
//      machine ld.so.conf lists /usr/local/cuda-13.0/lib).
//   3. /usr/local/cuda/lib64 and /usr/local/cuda/targets/x86_64-linux/lib:
//      the toolkit's default install, which the loader does not search
//      unless configured to.
// The sonames carry the major version, so a cuBLAS of another CUDA major
// is never picked up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/cuda/cublas_abi.h"
#include "runtime/cuda/dynamic_library.h"

namespace graphc::runtime::cuda {

class CublasLibrary {
 public:
  // `locations` are directories; "" means the loader's own search by
  // soname. Throws graphc::Error naming every file tried and the loader's
  // reason, or the function a library lacks.
  static std::unique_ptr<CublasLibrary> open(const std::vector<std::string>& locations);

  // The locations above, in order.
  static std::vector<std::string> search_locations();

  CublasFunctions blas;
  CublasLtFunctions lt;

  const std::string& cublas_path() const { return cublas_.path(); }
  const std::string& cublaslt_path() const { return cublaslt_.path(); }
  std::string version() const;  // "13.0.2"

  // "CUBLAS_STATUS_NOT_INITIALIZED (the library was not initialized)".
  std::string describe(cublasStatus_t status) const;

  // Throws graphc::Error "<call> failed: <describe(status)> (at file:line)"
  // unless status is kCublasStatusSuccess.
  void check(cublasStatus_t status, const char* call, const char* file, int line) const;

 private:
  CublasLibrary(DynamicLibrary cublaslt, DynamicLibrary cublas)
      : cublaslt_(std::move(cublaslt)), cublas_(std::move(cublas)) {}
  DynamicLibrary cublaslt_;
  DynamicLibrary cublas_;
  int major_ = 0, minor_ = 0, patch_ = 0;
};

// The process's cuBLAS: opened on first use from search_locations(); a
// failure is remembered and thrown again on every call.
const CublasLibrary& cublas_library();

}  // namespace graphc::runtime::cuda

// GRAPHC_CUBLAS_CHECK(library, cublasCreate_v2(&handle)) and
// GRAPHC_CUBLASLT_CHECK(library, cublasLtCreate(&handle)) call the function
// and throw graphc::Error naming the call when it fails.
#define GRAPHC_CUBLAS_CHECK(library, call) (library).check((library).blas.call, #call, __FILE__, __LINE__)
#define GRAPHC_CUBLASLT_CHECK(library, call) (library).check((library).lt.call, #call, __FILE__, __LINE__)
