// The fake driver's stream (tests/cuda_host/fake_libcuda.cpp), shared with
// the fake cuBLAS so that GEMMs on a capturing stream are recorded too.
#pragma once

#include <functional>
#include <vector>

#include "runtime/cuda/cuda_driver_abi.h"

struct CUstream_st {
  bool capturing = false;
  std::vector<std::function<void()>> recorded;
};

// Runs `work` now, or records it when the stream is capturing.
graphc::runtime::cuda::CUresult enqueue(graphc::runtime::cuda::CUstream stream, std::function<void()> work);
