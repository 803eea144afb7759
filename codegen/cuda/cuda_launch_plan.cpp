// See cuda_launch_plan.h.
#include "codegen/cuda/cuda_launch_plan.h"

#include <algorithm>
#include <map>
#include <optional>

#include "ir/error.h"

namespace graphc::codegen::cuda {

namespace {

runtime::cuda::Size size(const SizeExpr& s) { return {s.constant, s.per_n}; }

// What cuBLAS runs for statement s of kernel k (cublas_runs), with the
// statement's packing functions (CudaFunction::packs).
std::optional<runtime::cuda::CublasGemm> cublas_gemm(const Kernel& k, const Stmt& s, const CudaModule& module) {
  if (s.kind != StmtKind::gemm || !cublas_runs(k, s.gemm)) return std::nullopt;
  const Gemm& g = s.gemm;
  runtime::cuda::CublasGemm c;
  c.a = g.a, c.b = g.b, c.c = g.c;
  c.transpose_a = g.transpose_a, c.transpose_b = g.transpose_b;
  c.m = size(g.m), c.n_cols = size(g.n_cols), c.k = size(g.k);
  c.lda = size(g.lda), c.ldb = size(g.ldb), c.ldc = size(g.ldc);
  c.alpha = g.alpha, c.beta = g.beta;
  c.batch = size(g.batch);
  c.a_batch_stride = size(g.a_batch_stride), c.b_batch_stride = size(g.b_batch_stride);
  c.c_batch_stride = size(g.c_batch_stride);
  c.groups = g.groups;
  c.a_group_stride = size(g.a_group_stride), c.b_group_stride = size(g.b_group_stride);
  c.c_group_stride = size(g.c_group_stride);
  c.reduce_batch = g.reduce_batch;
  const size_t statement = static_cast<size_t>(&s - k.body.data());
  for (const CudaFunction& f : module.functions) {
    const bool helper = f.packs != CudaFunction::Packs::none || f.implicit_gemm;
    if (!helper || f.kernel != k.name || f.statement != statement) continue;
    runtime::cuda::PackedOperand launch{f.name, f.block_threads, {}};
    for (const SizeExpr& w : f.work) launch.work.push_back(size(w));
    if (f.implicit_gemm)
      c.implicit = std::move(launch);
    else
      (f.packs == CudaFunction::Packs::a ? c.packed_a : c.packed_b) = std::move(launch);
  }
  GRAPHC_ASSERT(!g.reduce_batch || (c.packed_a && c.packed_b), "kernel ", k.name, ": statement ", statement,
                " reduces the batch but is not packed");
  GRAPHC_ASSERT(!g.has_b_window || c.packed_b, "kernel ", k.name, ": statement ", statement, "'s window is not packed");
  return c;
}

}  // namespace

runtime::cuda::CudaPlan cuda_launch_plan(const CompiledCpuProgram& kernels, const CudaModule& module,
                                         const std::string& arch) {
  runtime::cuda::CudaPlan plan;
  plan.arch = arch;
  plan.train = kernels.plan.train;
  plan.eval = kernels.plan.eval;
  std::map<std::string, size_t> index_of;  // into kernels.kernels and plan.kernels alike
  for (const Kernel& k : kernels.kernels) {
    index_of[k.name] = plan.kernels.size();
    plan.kernels.push_back({k.name, {}});
  }
  for (const CudaFunction& f : module.functions) {
    if (f.packs != CudaFunction::Packs::none || f.implicit_gemm) continue;  // part of its Gemm's cuBLAS launch
    auto it = index_of.find(f.kernel);
    GRAPHC_ASSERT(it != index_of.end(), "CUDA function ", f.name, " of unknown kernel ", f.kernel);
    const Kernel& k = kernels.kernels[it->second];
    runtime::cuda::CudaLaunch launch{f.name, f.block_threads, {}, cublas_gemm(k, k.body.at(f.statement), module)};
    for (const SizeExpr& s : f.work) launch.work.push_back(size(s));
    plan.kernels[it->second].launches.push_back(std::move(launch));
  }
  for (const runtime::cuda::CudaKernelLaunches& k : plan.kernels)
    GRAPHC_ASSERT(!k.launches.empty(), "kernel ", k.kernel, " has no CUDA function");
  return plan;
}

}  // namespace graphc::codegen::cuda
