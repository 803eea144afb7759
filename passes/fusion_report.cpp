// The one-paragraph summary of a fusion plan: how many kernels a step runs,
// of which kinds, and how many bytes they store, against one kernel per op. Printed by the CLI and used for
// the tables of docs/fusion.md.
#include <map>

#include "ir/error.h"
#include "passes/fusion.h"

namespace graphc::passes {

StoredBytes stored_bytes(const Graph& g, const FusionPlan& plan) {
  StoredBytes bytes;
  for (const FusedGroup& group : plan.groups)
    for (ValueId v : group.outputs) {
      const TensorType& t = g.type(v);
      const int64_t size = static_cast<int64_t>(dtype_size(t.dtype)) * t.shape.static_numel();
      (t.shape.has_batch() ? bytes.per_sample : bytes.fixed) += size;
    }
  return bytes;
}

namespace {

std::string bytes_str(const StoredBytes& b) { return cat(b.fixed, " bytes + ", b.per_sample, " bytes per sample"); }

}  // namespace

std::string fusion_report(const Graph& g, const FusionPlan& plan) {
  const FusionPlan unfused_kernels = unfused_plan(g);
  const size_t unfused = unfused_kernels.groups.size();
  size_t ops = 0;
  std::map<GroupKind, size_t> per_kind;
  for (const FusedGroup& group : plan.groups) {
    ops += group.nodes.size();
    ++per_kind[group.kind];
  }
  std::string s = cat("fusion of ", g.name(), ": ", ops, " ops in ", plan.groups.size(), " kernels (unfused: ", unfused,
                      " kernels)\n");
  for (const auto& [kind, count] : per_kind) {
    std::string name(group_kind_name(kind));
    s += cat("  ", name, std::string(name.size() < 13 ? 13 - name.size() : 1, ' '), count, "\n");
  }
  s += cat("  stored per step: ", bytes_str(stored_bytes(g, plan)), " (unfused: ",
           bytes_str(stored_bytes(g, unfused_kernels)), ")\n");
  return s;
}

}  // namespace graphc::passes
