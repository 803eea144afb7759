// The one wording of a failed CUDA driver or cuBLAS call, so every such
// error reads alike: the call as written in the source, the library's name
// and text for the status, and the source line (a failing call with valid
// arguments is a bug to find, and the line finds it).
#pragma once

#include <string>

namespace graphc::runtime::cuda {

// "cuMemAlloc_v2(&pointer, bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of
// memory) (at cuda_executor.cpp:42)"; `file` is reduced to its name.
std::string failed_call_message(const char* call, const std::string& description, const char* file, int line);

}  // namespace graphc::runtime::cuda
