// See compile_cuda.h.
#include "codegen/cuda/compile_cuda.h"

#include "codegen/cuda/cuda_emitter.h"
#include "codegen/cuda/cuda_launch_plan.h"
#include "ir/error.h"

namespace graphc::codegen::cuda {

NvrtcOptions module_nvrtc_options(const std::string& arch) {
  NvrtcOptions options;
  options.arch = arch;
  options.include_dirs = {cuda_toolkit_include_dir()};
  return options;
}

CompiledCudaProgram compile_cuda(const CompiledCpuProgram& kernels, const std::string& model, const std::string& arch,
                                 NvrtcCompiler& compiler) {
  const CudaModule module = emit_cuda_module(kernels.kernels);
  CompiledCudaProgram out;
  out.plan = cuda_launch_plan(kernels, module, arch);
  out.module = compiler.compile(cat(model, ".cu"), module.source, module_nvrtc_options(arch));
  return out;
}

}  // namespace graphc::codegen::cuda
