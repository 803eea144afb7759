#include "runtime/cuda/cublas_api.h"

#include <cstdlib>
#include <optional>

#include "ir/error.h"
#include "runtime/cuda/failed_call.h"

namespace graphc::runtime::cuda {

namespace {

constexpr const char* kCublasSoname = "libcublas.so.13";
constexpr const char* kCublasLtSoname = "libcublasLt.so.13";

std::string in_location(const std::string& location, const char* soname) {
  if (location.empty()) return soname;
  std::string path = location;
  if (path.back() != '/') path += '/';
  return path + soname;
}

std::string missing_function(const std::string& path, const char* name) {
  return cat(path, " lacks ", name, "; graphc's CUDA runtime needs cuBLAS of CUDA 13");
}

}  // namespace

std::vector<std::string> CublasLibrary::search_locations() {
  const char* dir = std::getenv("GRAPHC_CUBLAS_DIR");
  if (dir != nullptr && dir[0] != '\0') return {dir};
  return {"", "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"};
}

std::unique_ptr<CublasLibrary> CublasLibrary::open(const std::vector<std::string>& locations) {
  std::string failures;
  std::unique_ptr<CublasLibrary> library;
  for (const std::string& location : locations) {
    std::optional<DynamicLibrary> cublaslt =
        DynamicLibrary::open_first({in_location(location, kCublasLtSoname)}, failures);
    if (!cublaslt) continue;
    std::optional<DynamicLibrary> cublas = DynamicLibrary::open_first({in_location(location, kCublasSoname)}, failures);
    if (!cublas) continue;
    library.reset(new CublasLibrary(std::move(*cublaslt), std::move(*cublas)));
    break;
  }
  if (!library)
    throw Error(cat("cuBLAS of CUDA 13 (", kCublasSoname, " and ", kCublasLtSoname, ") cannot be loaded (", failures,
                    "); install CUDA 13's cuBLAS or set GRAPHC_CUBLAS_DIR to the folder that holds it"));

#define GRAPHC_RESOLVE_CUBLAS_FUNCTION(name, result, params) \
  if (!library->cublas_.resolve(#name, library->blas.name))  \
    throw Error(missing_function(library->cublas_path(), #name));
  GRAPHC_CUBLAS_FUNCTIONS(GRAPHC_RESOLVE_CUBLAS_FUNCTION)
  GRAPHC_CUBLAS_OVERLOADED_FUNCTIONS(GRAPHC_RESOLVE_CUBLAS_FUNCTION)
#undef GRAPHC_RESOLVE_CUBLAS_FUNCTION
#define GRAPHC_RESOLVE_CUBLASLT_FUNCTION(name, result, params) \
  if (!library->cublaslt_.resolve(#name, library->lt.name))    \
    throw Error(missing_function(library->cublaslt_path(), #name));
  GRAPHC_CUBLASLT_FUNCTIONS(GRAPHC_RESOLVE_CUBLASLT_FUNCTION)
#undef GRAPHC_RESOLVE_CUBLASLT_FUNCTION

  // Reading the version needs no GPU, so a broken install shows up here
  // rather than at the first GEMM.
  GRAPHC_CUBLAS_CHECK(*library, cublasGetProperty(kMajorVersion, &library->major_));
  GRAPHC_CUBLAS_CHECK(*library, cublasGetProperty(kMinorVersion, &library->minor_));
  GRAPHC_CUBLAS_CHECK(*library, cublasGetProperty(kPatchLevel, &library->patch_));
  return library;
}

std::string CublasLibrary::version() const { return cat(major_, ".", minor_, ".", patch_); }

std::string CublasLibrary::describe(cublasStatus_t status) const {
  const char* name = blas.cublasGetStatusName != nullptr ? blas.cublasGetStatusName(status) : nullptr;
  if (name == nullptr) return cat("cuBLAS status ", status);
  const char* text = blas.cublasGetStatusString != nullptr ? blas.cublasGetStatusString(status) : nullptr;
  if (text == nullptr) return name;
  return cat(name, " (", text, ")");
}

void CublasLibrary::check(cublasStatus_t status, const char* call, const char* file, int line) const {
  if (status == kCublasStatusSuccess) return;
  throw Error(failed_call_message(call, describe(status), file, line));
}

const CublasLibrary& cublas_library() {
  struct Opened {
    std::unique_ptr<CublasLibrary> library;
    std::string error;
  };
  static const Opened opened = [] {
    Opened result;
    try {
      result.library = CublasLibrary::open(CublasLibrary::search_locations());
    } catch (const Error& e) {
      result.error = e.what();
    }
    return result;
  }();
  if (!opened.library) throw Error(opened.error);
  return *opened.library;
}

}  // namespace graphc::runtime::cuda
