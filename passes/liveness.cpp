// Liveness is one forward scan over the schedule: a value's producer is the
// group listing it as an output, its last reader the latest group listing it
// as an input.
#include "passes/liveness.h"

#include <algorithm>

namespace graphc::passes {

std::vector<ValueLiveness> compute_liveness(const Graph& g, const FusionPlan& plan) {
  const int group_count = static_cast<int>(plan.groups.size());
  std::vector<int> entry_of(g.size(), -1);  // value -> index into the result
  std::vector<ValueLiveness> result;
  auto check_value = [&](ValueId v, int group, const char* what) {
    if (v < 0 || static_cast<size_t>(v) >= g.size())
      throw Error(cat("fusion group ", group, " lists ", what, " %", v, ", which is not a value of graph ", g.name()));
  };

  for (int gi = 0; gi < group_count; ++gi) {
    const FusedGroup& group = plan.groups[gi];
    for (ValueId v : group.inputs) {
      check_value(v, gi, "input");
      if (g.node(v).info().cls == OpClass::source) continue;
      if (entry_of[v] < 0)
        throw Error(
            cat("fusion group ", gi, " reads %", v, " (", op_name(g.node(v).op), "), which no earlier group writes"));
      result[entry_of[v]].last_reader = gi;
    }
    for (ValueId v : group.outputs) {
      check_value(v, gi, "output");
      if (g.node(v).info().cls == OpClass::source)
        throw Error(cat("fusion group ", gi, " lists the source %", v, " as an output"));
      if (std::find(group.nodes.begin(), group.nodes.end(), v) == group.nodes.end())
        throw Error(cat("fusion group ", gi, " lists %", v, " as an output but does not compute it"));
      if (entry_of[v] >= 0)
        throw Error(cat("%", v, " is written by fusion groups ", result[entry_of[v]].producer, " and ", gi));
      entry_of[v] = static_cast<int>(result.size());
      result.push_back({v, gi, gi, false});
    }
  }
  for (const Output& o : g.outputs()) {
    if (g.node(o.value).info().cls == OpClass::source) continue;  // fed, not computed
    if (entry_of[o.value] < 0)
      throw Error(cat("graph output '", o.name, "' (%", o.value, ") is not an output of any fusion group"));
    result[entry_of[o.value]].graph_output = true;
  }
  return result;
}

}  // namespace graphc::passes
