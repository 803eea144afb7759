// The fusion plan's baseline, its checker and its text form. The checker is
// the plan's spec: every consumer (memory planning, lowering, the emitters)
// relies on exactly what it enforces, so it runs in tests on every plan of
// every model, and on plans built by hand.
#include "passes/fusion_plan.h"

#include <algorithm>
#include <set>

#include "ir/error.h"
#include "ir/printer.h"
#include "passes/fusion_roles.h"

namespace graphc::passes {

std::string_view group_kind_name(GroupKind k) {
  switch (k) {
    case GroupKind::elementwise: return "elementwise";
    case GroupKind::reduction: return "reduction";
    case GroupKind::contraction: return "contraction";
    case GroupKind::softmax: return "softmax";
    case GroupKind::window: return "window";
    case GroupKind::movement: return "movement";
    case GroupKind::other: return "other";
  }
  GRAPHC_ASSERT(false, "group kind ", static_cast<int>(k), " out of range");
}

namespace {

bool is_source(const Graph& g, ValueId v) { return fusion_role(g.node(v).op) == FusionRole::source; }

// The kind a group of this one node has in the unfused plan.
GroupKind single_node_kind(FusionRole role) {
  switch (role) {
    case FusionRole::elementwise: return GroupKind::elementwise;
    case FusionRole::movement:
    case FusionRole::reshape: return GroupKind::movement;
    case FusionRole::reduction: return GroupKind::reduction;
    case FusionRole::contraction: return GroupKind::contraction;
    case FusionRole::window: return GroupKind::window;
    case FusionRole::softmax: return GroupKind::softmax;
    case FusionRole::source: break;
  }
  GRAPHC_ASSERT(false, "sources belong to no group");
}

std::string ids_str(const std::vector<ValueId>& ids) {
  std::string s;
  for (ValueId v : ids) s += cat(" %", v);
  return s.empty() ? " (none)" : s;
}

std::string group_name(size_t index, const FusedGroup& group) {
  return cat("kernel ", index, " (", group_kind_name(group.kind), ")");
}

// The roles a group of each kind may hold, and the role its anchor has.
// Elementwise and movement groups have no anchor; the others are built
// around one anchor of their kind and hold no anchor of a heavier kind.
void check_kind(const Graph& g, size_t index, const FusedGroup& group) {
  const std::string name = group_name(index, group);
  int contractions = 0, windows = 0, softmaxes = 0, reductions = 0, elementwise = 0;
  for (ValueId v : group.nodes) {
    switch (fusion_role(g.node(v).op)) {
      case FusionRole::contraction: ++contractions; break;
      case FusionRole::window: ++windows; break;
      case FusionRole::softmax: ++softmaxes; break;
      case FusionRole::reduction: ++reductions; break;
      case FusionRole::elementwise: ++elementwise; break;
      case FusionRole::movement:
      case FusionRole::reshape:
      case FusionRole::source: break;
    }
  }
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw Error(cat("fusion plan: ", name, " ", what));
  };
  auto anchor_role = [&] { return fusion_role(g.node(group.anchor).op); };
  switch (group.kind) {
    case GroupKind::elementwise:
    case GroupKind::movement:
      require(group.anchor == -1, cat("has anchor %", group.anchor, " but its kind has none"));
      require(contractions + windows + softmaxes + reductions == 0, "holds a reduction, contraction, window or softmax op");
      if (group.kind == GroupKind::movement) require(elementwise == 0, "holds an elementwise op");
      return;
    case GroupKind::contraction:
      require(group.anchor != -1 && anchor_role() == FusionRole::contraction, "is not anchored on a contraction");
      require(contractions == 1 && windows + softmaxes == 0, "holds more than its one contraction anchor");
      return;
    case GroupKind::window:
      require(group.anchor != -1 && anchor_role() == FusionRole::window, "is not anchored on a pooling op");
      require(windows == 1 && contractions + softmaxes == 0, "holds more than its one window anchor");
      return;
    case GroupKind::softmax:
      require(group.anchor != -1 && anchor_role() == FusionRole::softmax, "is not anchored on a softmax op");
      require(contractions + windows == 0, "holds a contraction or window op");
      return;
    case GroupKind::reduction:
      require(group.anchor != -1 && anchor_role() == FusionRole::reduction, "is not anchored on a reduction");
      require(contractions + windows + softmaxes == 0, "holds a contraction, window or softmax op");
      return;
    case GroupKind::other:
      require(group.nodes.size() == 1, "of kind other holds more than one op");
      return;
  }
}

}  // namespace

FusionPlan unfused_plan(const Graph& g) {
  FusionPlan plan;
  std::vector<bool> read_later(g.size(), false);
  for (const Node& n : g.nodes())
    for (ValueId v : n.operands) read_later[v] = true;
  for (const Output& o : g.outputs()) read_later[o.value] = true;
  for (ValueId v = 0; v < static_cast<ValueId>(g.size()); ++v) {
    const FusionRole role = fusion_role(g.node(v).op);
    if (role == FusionRole::source) continue;
    FusedGroup group;
    group.kind = single_node_kind(role);
    if (is_anchor_role(role)) group.anchor = v;
    group.nodes = {v};
    std::set<ValueId> inputs(g.node(v).operands.begin(), g.node(v).operands.end());
    group.inputs.assign(inputs.begin(), inputs.end());
    if (read_later[v]) group.outputs = {v};
    plan.groups.push_back(std::move(group));
  }
  return plan;
}

void check_fusion_plan(const Graph& g, const FusionPlan& plan) {
  const ValueId count = static_cast<ValueId>(g.size());
  std::vector<int> group_of(g.size(), -1);
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const FusedGroup& group = plan.groups[i];
    const std::string name = group_name(i, group);
    if (group.nodes.empty()) throw Error(cat("fusion plan: ", name, " is empty"));
    for (size_t k = 0; k < group.nodes.size(); ++k) {
      ValueId v = group.nodes[k];
      if (v < 0 || v >= count) throw Error(cat("fusion plan: ", name, " names %", v, ", not a value of the graph"));
      if (is_source(g, v))
        throw Error(cat("fusion plan: ", name, " holds source %", v, " (", op_name(g.node(v).op), ")"));
      if (group_of[v] != -1)
        throw Error(cat("fusion plan: %", v, " is in ", group_name(group_of[v], plan.groups[group_of[v]]), " and in ",
                        name));
      group_of[v] = static_cast<int>(i);
    }
    // Topological within the group: an operand in the group comes first.
    std::set<ValueId> seen;
    for (ValueId v : group.nodes) {
      for (ValueId operand : g.node(v).operands)
        if (group_of[operand] == static_cast<int>(i) && !seen.count(operand))
          throw Error(cat("fusion plan: ", name, " lists %", v, " before its operand %", operand,
                          ": nodes must be in topological order"));
      seen.insert(v);
    }
    if (group.anchor != -1 && std::find(group.nodes.begin(), group.nodes.end(), group.anchor) == group.nodes.end())
      throw Error(cat("fusion plan: ", name, " has anchor %", group.anchor, ", which is not one of its nodes"));
    check_kind(g, i, group);
  }
  for (ValueId v = 0; v < count; ++v)
    if (!is_source(g, v) && group_of[v] == -1)
      throw Error(cat("fusion plan: %", v, " (", op_name(g.node(v).op), ") is in no group"));

  // Which values leave their group: read by another group or by the caller.
  std::vector<bool> leaves(g.size(), false);
  for (const Output& o : g.outputs()) leaves[o.value] = true;
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const FusedGroup& group = plan.groups[i];
    const std::string name = group_name(i, group);
    std::set<ValueId> expected_inputs;
    for (ValueId v : group.nodes)
      for (ValueId operand : g.node(v).operands) {
        if (group_of[operand] == static_cast<int>(i)) continue;
        if (group_of[operand] > static_cast<int>(i))
          throw Error(cat("fusion plan: %", v, " in ", name, " reads %", operand, ", written later by ",
                          group_name(group_of[operand], plan.groups[group_of[operand]])));
        expected_inputs.insert(operand);
        leaves[operand] = true;
      }
    std::set<ValueId> inputs(group.inputs.begin(), group.inputs.end());
    if (inputs.size() != group.inputs.size()) throw Error(cat("fusion plan: ", name, " lists an input twice"));
    if (inputs != expected_inputs)
      throw Error(cat("fusion plan: ", name, " lists inputs", ids_str(group.inputs), " but reads",
                      ids_str({expected_inputs.begin(), expected_inputs.end()})));
  }
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const FusedGroup& group = plan.groups[i];
    std::set<ValueId> expected_outputs;
    for (ValueId v : group.nodes)
      if (leaves[v]) expected_outputs.insert(v);
    std::set<ValueId> outputs(group.outputs.begin(), group.outputs.end());
    if (outputs.size() != group.outputs.size())
      throw Error(cat("fusion plan: ", group_name(i, group), " lists an output twice"));
    if (outputs != expected_outputs)
      throw Error(cat("fusion plan: ", group_name(i, group), " lists outputs", ids_str(group.outputs),
                      " but the values used after it are", ids_str({expected_outputs.begin(), expected_outputs.end()})));
  }
}

std::string print_fusion_plan(const Graph& g, const FusionPlan& plan) {
  size_t ops = 0;
  for (const FusedGroup& group : plan.groups) ops += group.nodes.size();
  std::string s = cat("fusion plan ", g.name(), ": ", plan.groups.size(), " kernels, ", ops, " ops\n");
  for (size_t i = 0; i < plan.groups.size(); ++i) {
    const FusedGroup& group = plan.groups[i];
    s += cat("kernel ", i, " (", group_kind_name(group.kind));
    if (group.anchor != -1) s += cat(", anchor %", group.anchor);
    s += cat("): inputs", ids_str(group.inputs), " -> outputs", ids_str(group.outputs), "\n");
    for (ValueId v : group.nodes) s += "  " + print_node(g, v) + "\n";
  }
  for (const Output& o : g.outputs()) s += cat("output ", o.name, " = %", o.value, " (", output_role_name(o.role), ")\n");
  return s;
}

std::string summarize_group(const Graph& g, const FusedGroup& group) {
  constexpr int kNamed = 6;
  std::string s;
  int named = 0, unnamed = 0;
  for (ValueId v : group.nodes) {
    const OpKind op = g.node(v).op;
    if (op == OpKind::reshape) continue;
    if (named == kNamed) {
      ++unnamed;
      continue;
    }
    if (named++ > 0) s += " ";
    s += op_name(op);
  }
  if (unnamed > 0) s += cat(" +", unnamed, " more");
  if (group.nodes.empty()) return s;
  const ValueId shown = group.anchor != -1 ? group.anchor : group.nodes.back();
  return cat(s, " -> ", g.node(shown).type.str());
}

}  // namespace graphc::passes
