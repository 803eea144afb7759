// Whether --device cuda can run here, asked once by the executor factory
// before it builds a CUDA executor, so a machine without a GPU gets one
// clear sentence instead of an error from deep inside the executor.
#pragma once

#include <string>

namespace graphc::runtime::cuda {

// Empty when the NVIDIA driver opens, supports CUDA 13.0 or newer (the
// kernels graphc embeds come from NVRTC 13), sees at least one device, and
// cuBLAS 13 loads; otherwise the first thing missing, as a sentence that
// names the library or the device (the caller prefixes "--device cuda: ").
// Opens the driver and cuBLAS for the process as a side effect.
std::string cuda_unavailable_reason();

}  // namespace graphc::runtime::cuda
