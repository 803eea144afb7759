// See compile_cuda.h.
#include "codegen/cuda/compile_cuda.h"

#include "codegen/cuda/cuda_emitter.h"
#include "codegen/cuda/cuda_launch_plan.h"
#include "ir/error.h"

namespace graphc::codegen::cuda {

CompiledCudaProgram compile_cuda(const CompiledCpuProgram& kernels, const std::string& model, const std::string& arch,
                                 NvrtcCompiler& compiler) {
  const CudaModule module = emit_cuda_module(kernels.kernels);
  CompiledCudaProgram out;
  out.plan = cuda_launch_plan(kernels, module, arch);
  NvrtcOptions options;
  options.arch = arch;
  out.module = compiler.compile(cat(model, ".cu"), module.source, options);
  return out;
}

}  // namespace graphc::codegen::cuda
