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
  if (!contains(group.outputs, output) || !contains(group.inputs, input)) return false;
  if (numel(g, output) != numel(g, input) || dtype_size(g.type(output).dtype) != dtype_size(g.type(input).dtype))
    return false;
  // Which nodes of the group read `input`, directly or through other nodes.
  std::vector<ValueId> readers;
  auto reads_input = [&](ValueId v) {
    const std::vector<ValueId>& operands = g.node(v).operands;
    return std::any_of(operands.begin(), operands.end(), [&](ValueId o) { return o == input || contains(readers, o); });
  };
  for (ValueId v : group.nodes) {
    if (!reads_input(v)) continue;
    // Only ops that keep the element index, over the output's element count.
    const Node& n = g.node(v);
    if ((n.info().cls != OpClass::elementwise && n.op != OpKind::reshape) || numel(g, v) != numel(g, output))
      return false;
    readers.push_back(v);
  }
  // The output is the only one that needs the input: other outputs may get
  // loop nests of their own, which could run after this one.
  for (ValueId other : group.outputs)
    if (other != output && contains(readers, other)) return false;
  return contains(readers, output);
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
