// The GEMMs of a CUDA plan through cuBLAS: a handle on the executor's
// stream with a workspace of its own, so that GEMMs in a stream capture
// never allocate (which capture forbids), computing in the precision the
// trainer asked for. With bf16 each GEMM first rounds the part of memory
// its A and B span into bfloat16 scratch (the module's graphc_round_bf16),
// at the same element offsets, so strides, batches and groups read the
// copies exactly as they would the f32 operands; C stays f32.
#pragma once

#include <cstdint>
#include <utility>
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

  // Where a Gemm's operands are besides the kernel's buffers: the packed
  // ones (CublasGemm::packed_a, packed_b), and with bf16 the rounded copies
  // of A and B (bf16_elements() of each).
  struct Scratch {
    CUdeviceptr a = 0, b = 0;
    CUdeviceptr a16 = 0, b16 = 0;
  };

  // How many bfloat16 elements the rounded copies of the Gemm's A and B
  // take at batch n: 0 and 0 unless the precision is bf16.
  std::pair<int64_t, int64_t> bf16_elements(const CublasGemm& g, int64_t n) const;

  // The row-major Gemm at batch n, on buffers at `arguments` (device
  // addresses of the kernel's buffers) or its packed operands, on the
  // session's stream.
  void gemm(const CublasGemm& g, const std::vector<CUdeviceptr>& arguments, int64_t n, Scratch scratch) const;

 private:
  void round_to_bf16(CUdeviceptr from, CUdeviceptr to, int64_t count) const;

  static constexpr size_t kWorkspaceBytes = size_t{32} << 20;
  const DeviceSession& session_;
  const CublasLibrary& blas_;
  DeviceMemory workspace_;
  bool bf16_;
  cublasComputeType_t compute_;
  CUfunction round_bf16_ = nullptr;  // with bf16
  cublasHandle_t handle_ = nullptr;
};

}  // namespace graphc::runtime::cuda
