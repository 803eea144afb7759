#include "tools/graphc/stages.h"

#include <cstdio>
#include <iostream>

#include "codegen/compile_cpu.h"
#include "passes/fusion.h"
#include "passes/memory_plan.h"
#include "passes/pass_manager.h"
#include "passes/simplify.h"
#include "runtime/grad_check.h"

#ifdef GRAPHC_HAVE_NVRTC
#include "codegen/cuda/compile_cuda.h"
#endif

namespace graphc::cli {

bool is_fusion_stage(const std::string& stage) { return stage == "after-fusion"; }

std::string dump_fusion(const Graph& g) {
  passes::FusionPlan plan = passes::fuse(g);
  return print_fusion_plan(g, plan) + passes::fusion_report(g, plan);
}

std::string dump_memory_plan(const Graph& forward, int64_t batch) {
  Graph g = graph_at_stage(forward, "after-fusion", false).with_batch(batch);
  passes::FusionPlan plan = passes::fuse(g);
  passes::MemoryPlan memory = passes::plan_memory(g, plan);
  passes::check_memory_plan(g, plan, memory);
  return print_memory_plan(g, plan, memory);
}

Graph graph_at_stage(const Graph& forward, const std::string& stage, bool print_passes) {
  if (stage.empty() || stage == "forward") return forward;
  if (is_fusion_stage(stage)) return graph_at_stage(forward, "after-" + passes::pipeline_stage_names().back(), print_passes);
  std::string known = "forward";
  for (const auto& name : passes::pipeline_stage_names()) known += ", after-" + name;
  known += ", after-fusion";
  if (stage.rfind("after-", 0) != 0) throw Error(cat("unknown stage '", stage, "' (known: ", known, ")"));
  std::string pass = stage.substr(6);
  bool found = false;
  for (const auto& name : passes::pipeline_stage_names()) found |= name == pass;
  if (!found) throw Error(cat("unknown stage '", stage, "' (known: ", known, ")"));

  passes::PassManagerOptions options;
  options.verify = true;
  options.stop_after = pass;
  passes::PassManager pm = passes::standard_pass_manager(options);
  Graph g = forward;
  pm.run(g);
  if (print_passes) std::cerr << pm.log_text();
  return g;
}

codegen::cpu::LlvmModule compile_cpu_backend(runtime::Program& program, const codegen::CompiledCpuProgram& kernels,
                                             const codegen::cpu::CpuTarget& target) {
  program.cpu = kernels.plan;
  program.cpu->target_cpu = target.cpu;
  program.cpu->target_features = target.features;
  return codegen::cpu::emit_module(kernels.kernels, program.model, target);
}

codegen::cuda::CudaBinary compile_cuda_backend(runtime::Program& program, const codegen::CompiledCpuProgram& kernels,
                                               const std::string& arch) {
#ifdef GRAPHC_HAVE_NVRTC
  codegen::cuda::NvrtcCompiler compiler;
  codegen::cuda::CompiledCudaProgram compiled = codegen::cuda::compile_cuda(kernels, program.model, arch, compiler);
  program.cuda = std::move(compiled.plan);
  return std::move(compiled.module);
#else
  (void)program, (void)kernels, (void)arch;
  throw Error("--target cuda: this graphc was built without the CUDA toolkit (NVRTC); rebuild it where CUDA 13 is installed");
#endif
}

codegen::cpu::CpuTarget cpu_target(const std::string& name) {
  return name.empty() ? codegen::cpu::CpuTarget::host() : codegen::cpu::CpuTarget::named(name);
}

bool run_check_grad(const Graph& forward, uint64_t seed, int64_t max_parameters, int64_t max_elements) {
  runtime::GradCheckOptions options;
  options.seed = seed;
  options.max_parameters = max_parameters;
  options.max_elements_per_parameter = max_elements;
  runtime::GradCheckReport report = runtime::check_gradients(forward, options);
  std::cout << report.str();
  return report.passed;
}

}  // namespace graphc::cli
