// The fusion pass: the rules of fusion_rules.h in order, then a schedule of
// the resulting groups. The schedule is a topological order of the group
// graph that, among the groups ready to run, runs the one holding the
// earliest node first, so the kernels follow the program's own order (the
// forward pass, then the backward pass) wherever dependencies allow.
#include "passes/fusion.h"

#include <functional>
#include <map>
#include <queue>
#include <set>

#include "ir/error.h"
#include "passes/fusion_partition.h"
#include "passes/fusion_rules.h"

namespace graphc::passes {

namespace {

// The kind of the heaviest op in the group, and that op as its anchor.
void set_kind_and_anchor(const Partition& p, FusedGroup& group) {
  const std::pair<FusionRole, GroupKind> by_weight[] = {{FusionRole::contraction, GroupKind::contraction},
                                                         {FusionRole::window, GroupKind::window},
                                                         {FusionRole::softmax, GroupKind::softmax},
                                                         {FusionRole::reduction, GroupKind::reduction}};
  for (const auto& [role, kind] : by_weight) {
    ValueId anchor = -1;
    for (ValueId v : group.nodes) {
      if (p.role(v) != role) continue;
      // A softmax group is named after its loss when it has one.
      if (anchor == -1 || p.graph().node(v).op == OpKind::softmax_cross_entropy) anchor = v;
      if (role != FusionRole::softmax) break;
    }
    if (anchor == -1) continue;
    group.kind = kind;
    group.anchor = anchor;
    return;
  }
  group.kind = GroupKind::movement;
  for (ValueId v : group.nodes)
    if (p.role(v) == FusionRole::elementwise) group.kind = GroupKind::elementwise;
}

FusedGroup make_group(const Partition& p, int name, const std::vector<int>& group_of_value) {
  FusedGroup group;
  group.nodes = p.nodes(name);
  set_kind_and_anchor(p, group);
  std::set<ValueId> inputs, outputs;
  for (ValueId v : group.nodes) {
    for (ValueId o : p.graph().node(v).operands)
      if (group_of_value[o] != name) inputs.insert(o);
    bool leaves = p.is_graph_output(v);
    for (ValueId u : p.users(v)) leaves |= group_of_value[u] != name;
    if (leaves) outputs.insert(v);
  }
  group.inputs.assign(inputs.begin(), inputs.end());
  group.outputs.assign(outputs.begin(), outputs.end());
  return group;
}

FusionPlan schedule(const Partition& p) {
  const Graph& g = p.graph();
  std::vector<int> group_of_value(g.size());
  for (ValueId v = 0; v < static_cast<ValueId>(g.size()); ++v) group_of_value[v] = p.group_of(v);
  std::map<int, std::set<int>> successors;
  std::map<int, int> waiting_on;  // predecessors not yet scheduled
  for (int group : p.groups()) {
    successors[group];
    waiting_on[group];
  }
  for (int group : p.groups())
    for (int consumer : p.consumer_groups(group))
      if (successors[group].insert(consumer).second) ++waiting_on[consumer];

  // Groups are named by a node they hold; the earliest node decides.
  using Ready = std::pair<ValueId, int>;  // (first node, group)
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  for (const auto& [group, count] : waiting_on)
    if (count == 0) ready.emplace(p.nodes(group).front(), group);
  FusionPlan plan;
  while (!ready.empty()) {
    const int group = ready.top().second;
    ready.pop();
    plan.groups.push_back(make_group(p, group, group_of_value));
    for (int next : successors[group])
      if (--waiting_on[next] == 0) ready.emplace(p.nodes(next).front(), next);
  }
  GRAPHC_ASSERT(plan.groups.size() == successors.size(), "the fusion groups have a cycle");
  return plan;
}

}  // namespace

FusionPlan fuse(const Graph& g) {
  Partition p(g);
  cluster_elementwise(p);
  form_softmax_groups(p);
  fuse_bias_gradients(p);
  form_reduction_groups(p);
  absorb_contraction_and_window_epilogues(p);
  absorb_reduction_epilogues(p);
  fold_small_producers(p);
  place_reshapes(p);
  return schedule(p);
}

}  // namespace graphc::passes
