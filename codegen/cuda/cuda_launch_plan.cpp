// See cuda_launch_plan.h.
#include "codegen/cuda/cuda_launch_plan.h"

#include <map>

#include "ir/error.h"

namespace graphc::codegen::cuda {

runtime::cuda::CudaPlan cuda_launch_plan(const CompiledCpuProgram& kernels, const CudaModule& module,
                                         const std::string& arch) {
  runtime::cuda::CudaPlan plan;
  plan.arch = arch;
  plan.train = kernels.plan.train;
  plan.eval = kernels.plan.eval;
  std::map<std::string, size_t> index_of;
  for (const Kernel& k : kernels.kernels) {
    index_of[k.name] = plan.kernels.size();
    plan.kernels.push_back({k.name, {}});
  }
  for (const CudaFunction& f : module.functions) {
    auto it = index_of.find(f.kernel);
    GRAPHC_ASSERT(it != index_of.end(), "CUDA function ", f.name, " of unknown kernel ", f.kernel);
    runtime::cuda::CudaLaunch launch{f.name, f.block_threads, {}};
    for (const SizeExpr& s : f.work) launch.work.push_back({s.constant, s.per_n});
    plan.kernels[it->second].launches.push_back(std::move(launch));
  }
  for (const runtime::cuda::CudaKernelLaunches& k : plan.kernels)
    GRAPHC_ASSERT(!k.launches.empty(), "kernel ", k.kernel, " has no CUDA function");
  return plan;
}

}  // namespace graphc::codegen::cuda
