// The kernels every CUDA module carries beside the program's own
// (runtime/cuda/device_kernels.cu), by name, with the one argument struct
// each takes by value (runtime/cuda/device_kernel_args.h). The executor
// resolves them by these names; the host emulation of the tests generates
// its entry points from this table.
#pragma once

#include <cstddef>

#include "runtime/cuda/device_kernel_args.h"

namespace graphc::runtime::cuda {

struct DeviceKernel {
  const char* name;
  const char* args_type;  // the struct's name in the CUDA C
  size_t args_bytes;
};

inline constexpr DeviceKernel kUpdateKernel{"graphc_update", "graphc_update_args", sizeof(graphc_update_args)};
inline constexpr DeviceKernel kGradSumsqKernel{"graphc_grad_sumsq", "graphc_norm_args", sizeof(graphc_norm_args)};
inline constexpr DeviceKernel kGradNormKernel{"graphc_grad_norm", "graphc_norm_args", sizeof(graphc_norm_args)};
inline constexpr DeviceKernel kPixelsKernel{"graphc_build_pixels", "graphc_pixels_args", sizeof(graphc_pixels_args)};
inline constexpr DeviceKernel kBf16Kernel{"graphc_round_bf16", "graphc_bf16_args", sizeof(graphc_bf16_args)};
inline constexpr DeviceKernel kDeviceKernels[] = {kUpdateKernel, kGradSumsqKernel, kGradNormKernel, kPixelsKernel,
                                                  kBf16Kernel};

}  // namespace graphc::runtime::cuda
