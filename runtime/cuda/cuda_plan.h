// What the CUDA backend needs at run time besides the module itself (the
// cubin and PTX graphc embeds in the trainer): the architecture the cubin
// was compiled for, how each kernel is launched (its __global__ functions in
// order, their block size and how many threads keep each busy at batch n),
// and for each graph its plan of kernel calls (runtime/graph_plan.h). The
// kernels are the CPU backend's kernel IR emitted as CUDA C, so a kernel's
// buffers and the graph plans mean exactly what they mean on the CPU.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/graph_plan.h"

namespace graphc::runtime::cuda {

// The product of `constant + per_n * n` over its factors is the number of
// threads that keeps a function fully busy at batch n.
struct WorkFactor {
  int64_t constant = 0;
  int64_t per_n = 0;
  bool operator==(const WorkFactor&) const = default;
};

struct CudaLaunch {
  std::string function;  // the __global__ function's name in the module
  int block_threads = 256;
  std::vector<WorkFactor> work;
  int64_t threads_wanted(int64_t n) const;
  bool operator==(const CudaLaunch&) const = default;
};

struct CudaKernelLaunches {
  std::string kernel;  // the name KernelCall::kernel refers to
  std::vector<CudaLaunch> launches;  // in launch order; all take the kernel's buffers, then n
};

struct CudaPlan {
  std::string arch;  // "sm_90": the cubin's architecture (the PTX is for the same virtual one)
  std::vector<CudaKernelLaunches> kernels;
  GraphPlan train;
  GraphPlan eval;
};

nlohmann::json cuda_plan_to_json(const CudaPlan& plan);
// Throws graphc::Error naming the field that is wrong.
CudaPlan cuda_plan_from_json(const nlohmann::json& j);

}  // namespace graphc::runtime::cuda
