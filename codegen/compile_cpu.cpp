// See compile_cpu.h. Fusion runs on the graph with N symbolic (kernels take
// the batch size at run time); memory is planned on the same graph with N
// bound to max_batch (node ids are the same), so every buffer has room for
// the largest batch and smaller batches use a prefix of it.
#include "codegen/compile_cpu.h"

#include "codegen/lower_group.h"
#include "ir/error.h"
#include "passes/fusion.h"
#include "passes/memory_plan.h"

namespace graphc::codegen {

namespace {

using runtime::BufferRef;
using runtime::Storage;

constexpr int64_t kScratchAlignment = 64;

// Where value v of g lives during a step.
BufferRef locate(const Graph& g, const passes::MemoryPlan& memory, ValueId v) {
  const Node& n = g.node(v);
  if (const passes::ReshapeView* view = memory.view(v)) return locate(g, memory, view->of);
  if (const passes::GradientWrite* w = memory.direct_gradient(v)) return {Storage::gradient, 0, w->parameter};
  if (const passes::ArenaBuffer* b = memory.find(v)) return {Storage::arena, b->offset, ""};
  if (n.op == OpKind::input) return {Storage::input, 0, n.s("name")};
  if (n.op == OpKind::parameter) return {Storage::parameter, 0, n.s("name")};
  if (n.op == OpKind::constant) return {Storage::constant, 0, "", n.f("value")};
  GRAPHC_ASSERT(false, "%", v, " (", op_name(n.op), ") has no place in the memory plan");
}

runtime::GraphPlan compile_graph(const Graph& g, int64_t max_batch, const std::string& prefix,
                                         std::vector<Kernel>& kernels) {
  const passes::FusionPlan fusion = passes::fuse(g);
  const Graph bound = g.with_batch(max_batch);
  const passes::MemoryPlan memory = passes::plan_memory(bound, fusion);
  passes::check_memory_plan(bound, fusion, memory);

  runtime::GraphPlan plan;
  plan.arena_bytes = memory.arena_bytes;
  for (size_t i = 0; i < fusion.groups.size(); ++i) {
    if (!memory.runs_kernel(static_cast<int>(i))) continue;
    Kernel k = lower_group(g, fusion.groups[i], cat(prefix, "_k", i));
    k.what = passes::summarize_group(g, fusion.groups[i]);
    for (const Buffer& b : k.buffers)
      if (const passes::ArenaBuffer* a = memory.find(b.value); a != nullptr && a->aliases >= 0) k.writes_in_place = true;
    runtime::KernelCall call{k.name, {}, k.what};
    int64_t scratch = 0;
    for (const Buffer& b : k.buffers) {
      if (b.role != BufferRole::scratch) {
        call.buffers.push_back(locate(g, memory, b.value));
        continue;
      }
      call.buffers.push_back({Storage::scratch, scratch, ""});
      const int64_t bytes = b.elements.at(max_batch) * static_cast<int64_t>(dtype_size(b.dtype));
      scratch += (bytes + kScratchAlignment - 1) / kScratchAlignment * kScratchAlignment;
    }
    plan.scratch_bytes = std::max(plan.scratch_bytes, scratch);
    plan.calls.push_back(std::move(call));
    kernels.push_back(std::move(k));
  }
  for (const Output& o : g.outputs()) plan.outputs.push_back({o.name, locate(g, memory, o.value)});
  return plan;
}

}  // namespace

CompiledCpuProgram compile_cpu(const runtime::Program& program) {
  CompiledCpuProgram out;
  out.plan.train = compile_graph(program.train, program.max_batch, "train", out.kernels);
  out.plan.eval = compile_graph(program.eval, program.max_batch, "eval", out.kernels);
  return out;
}

}  // namespace graphc::codegen
