// Hand-made fusion groups for the memory-planning tests, so a test can fuse
// exactly the nodes it needs without depending on what the fusion pass does.
#pragma once

#include <algorithm>

#include "passes/fusion_plan.h"
#include "passes/fusion_roles.h"

namespace graphc::testing {

// A group of `nodes` (topological), with its inputs and outputs derived from
// the graph: inputs are operands from outside, outputs the values used by a
// node outside the group or by a graph output. The anchor is the last node
// that can be one (a reduction, contraction, pool or softmax).
inline passes::FusedGroup group_of(const Graph& g, passes::GroupKind kind, std::vector<ValueId> nodes) {
  auto inside = [&](ValueId v) { return std::find(nodes.begin(), nodes.end(), v) != nodes.end(); };
  passes::FusedGroup group;
  group.kind = kind;
  group.nodes = nodes;
  for (ValueId v : nodes)
    if (passes::is_anchor_role(passes::fusion_role(g.node(v).op))) group.anchor = v;
  for (ValueId v : nodes)
    for (ValueId operand : g.node(v).operands)
      if (!inside(operand) && std::find(group.inputs.begin(), group.inputs.end(), operand) == group.inputs.end())
        group.inputs.push_back(operand);
  for (ValueId v : nodes) {
    bool used_outside =
        std::any_of(g.outputs().begin(), g.outputs().end(), [&](const Output& o) { return o.value == v; });
    for (size_t u = 0; u < g.size() && !used_outside; ++u) {
      const std::vector<ValueId>& operands = g.nodes()[u].operands;
      used_outside =
          !inside(static_cast<ValueId>(u)) && std::find(operands.begin(), operands.end(), v) != operands.end();
    }
    if (used_outside) group.outputs.push_back(v);
  }
  return group;
}

}  // namespace graphc::testing
