// The GEMMs of a CUDA plan through cuBLAS: a handle on the executor's
// stream with a workspace of its own, so that GEMMs in a stream capture
// never allocate (which capture forbids), computing in the precision the
// trainer asked for.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/cuda/cublas_api.h"
#include "runtime/cuda/cuda_plan.h"
#include "runtime/cuda/device_session.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime::cuda {

class BlasSession {
 public:
  // Throws graphc::Error when cuBLAS cannot be opened or set up.
  BlasSession(const DeviceSession& session, MatmulPrecision precision);
  BlasSession(const BlasSession&) = delete;
  BlasSession& operator=(const BlasSession&) = delete;
  ~BlasSession();

  // Where a Gemm's packed operands are (CublasGemm::packed_a, packed_b).
  struct Packed {
    CUdeviceptr a = 0, b = 0;
  };

  // The row-major Gemm at batch n, on buffers at `arguments` (device
  // addresses of the kernel's buffers) or its packed operands, on the
  // session's stream.
  void gemm(const CublasGemm& g, const std::vector<CUdeviceptr>& arguments, int64_t n, Packed packed) const;

 private:
  static constexpr size_t kWorkspaceBytes = size_t{32} << 20;
  const CublasLibrary& blas_;
  DeviceMemory workspace_;
  cublasComputeType_t compute_;
  cublasHandle_t handle_ = nullptr;
};

}  // namespace graphc::runtime::cuda
