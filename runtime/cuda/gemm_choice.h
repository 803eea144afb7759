// Which form runs a convolution's GEMM that has two (runtime/cuda/cuda_plan.h,
// CublasGemm::implicit): its operands packed for cuBLAS, or the implicit
// GEMM that gathers the window on the fly. Neither wins everywhere: cuBLAS
// is the faster product, packing costs memory traffic that grows with the
// window, so the executor times both on the GPU, per GEMM and batch size,
// before it captures the step (cuDNN's benchmark mode, in miniature).
#pragma once

#include <functional>

#include "runtime/cuda/device_session.h"
#include "runtime/trainer/executor.h"

namespace graphc::runtime::cuda {

enum class ConvolutionGemm { measure, cublas, implicit };

// GRAPHC_CUDA_CONV=measure (the default) | cublas | implicit, for tests and
// diagnosis. The implicit GEMM computes in TF32, or in 3xTF32 for
// --precision fp32 (the executor sets the module's gc_tf32_split); bf16
// rounds operands in cuBLAS's path only, so it runs cuBLAS. Throws
// graphc::Error naming a bad value.
ConvolutionGemm convolution_gemm_policy(MatmulPrecision precision);

// The milliseconds `work` (queued on the session's stream) takes: the
// fastest of `runs` runs after one to warm up. Waits for the stream.
float fastest_run_ms(const DeviceSession& session, const std::function<void()>& work, int runs = 3);

}  // namespace graphc::runtime::cuda
