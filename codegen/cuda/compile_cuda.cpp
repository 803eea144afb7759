// See compile_cuda.h.
#include "codegen/cuda/compile_cuda.h"

#include <map>

#include "codegen/cuda/cuda_emitter.h"
#include "ir/error.h"

namespace graphc::codegen::cuda {

CompiledCudaProgram compile_cuda(const CompiledCpuProgram& kernels, const std::string& model, const std::string& arch,
                                 NvrtcCompiler& compiler) {
  const CudaModule module = emit_cuda_module(kernels.kernels);
  CompiledCudaProgram out;
  out.plan.arch = arch;
  out.plan.train = kernels.plan.train;
  out.plan.eval = kernels.plan.eval;
  std::map<std::string, size_t> index_of;
  for (const Kernel& k : kernels.kernels) {
    index_of[k.name] = out.plan.kernels.size();
    out.plan.kernels.push_back({k.name, {}});
  }
  for (const CudaFunction& f : module.functions) {
    auto it = index_of.find(f.kernel);
    GRAPHC_ASSERT(it != index_of.end(), "CUDA function ", f.name, " of unknown kernel ", f.kernel);
    runtime::cuda::CudaLaunch launch{f.name, f.block_threads, {}};
    for (const SizeExpr& s : f.work) launch.work.push_back({s.constant, s.per_n});
    out.plan.kernels[it->second].launches.push_back(std::move(launch));
  }
  for (const runtime::cuda::CudaKernelLaunches& k : out.plan.kernels)
    GRAPHC_ASSERT(!k.launches.empty(), "kernel ", k.kernel, " has no CUDA function");
  NvrtcOptions options;
  options.arch = arch;
  out.module = compiler.compile(cat(model, ".cu"), module.source, options);
  return out;
}

}  // namespace graphc::codegen::cuda
