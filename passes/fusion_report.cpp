// The one-paragraph summary of a fusion plan: how many kernels a step runs,
// of which kinds, against one kernel per op. Printed by the CLI and used for
// the tables of docs/fusion.md.
#include <map>

#include "ir/error.h"
#include "passes/fusion.h"

namespace graphc::passes {

std::string fusion_report(const Graph& g, const FusionPlan& plan) {
  const size_t unfused = unfused_plan(g).groups.size();
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
  return s;
}

}  // namespace graphc::passes
