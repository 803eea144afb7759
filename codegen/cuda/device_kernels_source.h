// The CUDA C of the kernels every module carries beside the program's own
// (runtime/cuda/device_kernels.cu with the headers it needs:
// runtime/optim/update_math.h, runtime/data/augment_math.h,
// runtime/cuda/device_kernel_args.h), embedded
// in graphc at build time (cmake/embed_text.cmake). The emitter appends it
// to every module, so `graphc --emit-cuda` shows the whole translation unit
// and NVRTC compiles it with the program's kernels.
#pragma once

#include <string_view>

namespace graphc::codegen::cuda {

std::string_view device_kernels_source();

}  // namespace graphc::codegen::cuda
