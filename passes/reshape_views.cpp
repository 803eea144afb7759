#include "passes/reshape_views.h"

#include <algorithm>
#include <functional>

namespace graphc::passes {

namespace {

bool contains(const std::vector<ValueId>& values, ValueId v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

ValueId reshaped_value(const Graph& g, const FusedGroup& group, ValueId v) {
  if (g.node(v).op != OpKind::reshape) return -1;
  for (ValueId u = g.node(v).operands[0];; u = g.node(u).operands[0]) {
    if (contains(group.inputs, u) || contains(group.outputs, u)) return u;
    if (!contains(group.nodes, u) || g.node(u).op != OpKind::reshape) return -1;
  }
}

std::vector<ValueId> find_reshape_views(const Graph& g, const FusionPlan& plan,
                                        const std::vector<ValueLiveness>& live) {
  std::vector<bool> gradient(g.size(), false);
  for (const Output& o : g.outputs())
    if (o.role == OutputRole::gradient) gradient[o.value] = true;
  std::vector<ValueId> reshaped(g.size(), -1);  // group output -> the value it reshapes
  for (const ValueLiveness& l : live) {
    if (gradient[l.value]) continue;
    ValueId u = reshaped_value(g, plan.groups[l.producer], l.value);
    if (u >= 0 && g.node(u).op != OpKind::constant && g.node(u).op != OpKind::batch_size) reshaped[l.value] = u;
  }
  // A view of a view shows the first value in the chain that owns storage.
  std::function<ValueId(ValueId)> owner = [&](ValueId v) { return reshaped[v] < 0 ? v : owner(reshaped[v]); };
  std::vector<ValueId> view_of(live.size(), -1);
  for (size_t i = 0; i < live.size(); ++i)
    if (reshaped[live[i].value] >= 0) view_of[i] = owner(live[i].value);
  return view_of;
}

}  // namespace graphc::passes
