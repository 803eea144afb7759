#include "runtime/cuda/cuda_availability.h"

#include "ir/error.h"
#include "runtime/cuda/cublas_api.h"
#include "runtime/cuda/cuda_driver.h"

namespace graphc::runtime::cuda {

std::string cuda_unavailable_reason() {
  try {
    const CudaDriver& driver = cuda_driver();
    if (driver.version() < kCudaVersionDeclared)
      return cat("the NVIDIA driver ", driver.library_path(), " supports CUDA ", cuda_version_text(driver.version()),
                 ", older than the CUDA ", cuda_version_text(kCudaVersionDeclared),
                 " graphc compiled the kernels with: update the NVIDIA driver");
    cublas_library();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace graphc::runtime::cuda
