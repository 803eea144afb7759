// Fusion plans for the memory-planning tests. `one_node_per_group` is a
// temporary copy of passes::unfused_plan, kept here (and not in passes/)
// until passes/fusion_plan.cpp exists to link against; `group_of` builds a
// hand-made group so tests can fuse nodes exactly as they need.
#pragma once

#include <algorithm>

#include "passes/fusion_plan.h"

namespace graphc::testing {

inline passes::GroupKind group_kind_of(const Node& n) {
  switch (n.info().cls) {
    case OpClass::elementwise: return passes::GroupKind::elementwise;
    case OpClass::reduction: return passes::GroupKind::reduction;
    case OpClass::contraction: return passes::GroupKind::contraction;
    case OpClass::movement: return passes::GroupKind::movement;
    case OpClass::source:
    case OpClass::other: break;
  }
  if (n.op == OpKind::softmax || n.op == OpKind::log_softmax || n.op == OpKind::softmax_cross_entropy)
    return passes::GroupKind::softmax;
  if (n.op == OpKind::max_pool2d || n.op == OpKind::max_pool2d_grad || n.op == OpKind::avg_pool2d ||
      n.op == OpKind::avg_pool2d_grad)
    return passes::GroupKind::window;
  return passes::GroupKind::other;
}

// A group of `nodes` (topological), with its inputs and outputs derived from
// the graph: inputs are operands from outside, outputs the values used by a
// node outside the group or by a graph output.
inline passes::FusedGroup group_of(const Graph& g, passes::GroupKind kind, std::vector<ValueId> nodes) {
  auto inside = [&](ValueId v) { return std::find(nodes.begin(), nodes.end(), v) != nodes.end(); };
  passes::FusedGroup group;
  group.kind = kind;
  group.nodes = nodes;
  if (kind != passes::GroupKind::elementwise) group.anchor = nodes.back();
  for (ValueId v : nodes)
    for (ValueId operand : g.node(v).operands)
      if (!inside(operand) && std::find(group.inputs.begin(), group.inputs.end(), operand) == group.inputs.end())
        group.inputs.push_back(operand);
  for (ValueId v : nodes) {
    bool used_outside = std::any_of(g.outputs().begin(), g.outputs().end(), [&](const Output& o) { return o.value == v; });
    for (size_t u = 0; u < g.size() && !used_outside; ++u) {
      const std::vector<ValueId>& operands = g.nodes()[u].operands;
      used_outside = !inside(static_cast<ValueId>(u)) && std::find(operands.begin(), operands.end(), v) != operands.end();
    }
    if (used_outside) group.outputs.push_back(v);
  }
  return group;
}

inline passes::FusionPlan one_node_per_group(const Graph& g) {
  passes::FusionPlan plan;
  for (size_t v = 0; v < g.size(); ++v) {
    const Node& n = g.nodes()[v];
    if (n.info().cls == OpClass::source) continue;
    plan.groups.push_back(group_of(g, group_kind_of(n), {static_cast<ValueId>(v)}));
  }
  return plan;
}

}  // namespace graphc::testing
