#include "passes/in_place_reuse.h"

#include <algorithm>

namespace graphc::passes {

namespace {

int64_t numel(const Graph& g, ValueId v) { return g.type(v).shape.numel(1); }

bool contains(const std::vector<ValueId>& values, ValueId v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

bool can_write_in_place(const Graph& g, const FusedGroup& group, ValueId output, ValueId input) {
  if (group.kind != GroupKind::elementwise) return false;
  if (!contains(group.outputs, output) || !contains(group.inputs, input)) return false;
  int64_t iteration_space = 0;
  for (ValueId v : group.nodes) {
    const Node& n = g.node(v);
    if (n.info().cls != OpClass::elementwise && n.op != OpKind::reshape) return false;
    iteration_space = std::max(iteration_space, numel(g, v));
  }
  return numel(g, output) == iteration_space && numel(g, input) == iteration_space &&
         dtype_size(g.type(output).dtype) == dtype_size(g.type(input).dtype);
}

std::vector<int> choose_in_place(const Graph& g, const FusionPlan& plan, const std::vector<ValueLiveness>& live,
                                 const std::vector<bool>& in_arena) {
  std::vector<int> entry_of(g.size(), -1);
  for (size_t i = 0; i < live.size(); ++i) entry_of[live[i].value] = static_cast<int>(i);
  std::vector<int> overwrites(live.size(), -1);
  std::vector<bool> taken(live.size(), false);
  for (size_t i = 0; i < live.size(); ++i) {
    if (!in_arena[i]) continue;
    const int gi = live[i].producer;
    const FusedGroup& group = plan.groups[gi];
    for (ValueId input : group.inputs) {
      const int j = entry_of[input];
      if (j < 0 || !in_arena[j] || taken[j] || live[j].graph_output || live[j].last_reader != gi) continue;
      if (!can_write_in_place(g, group, live[i].value, input)) continue;
      overwrites[i] = j;
      taken[j] = true;
      break;
    }
  }
  return overwrites;
}

}  // namespace graphc::passes
