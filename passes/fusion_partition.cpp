#include "passes/fusion_partition.h"

#include <algorithm>
#include <set>

#include "ir/error.h"

namespace graphc::passes {

namespace {

// The shape a node's kernel loops over, and the shape of what it produces
// after reducing; see the header.
Shape main_space(const Graph& g, ValueId v, FusionRole role) {
  const Node& n = g.node(v);
  switch (role) {
    case FusionRole::reduction:
    case FusionRole::softmax: return g.type(n.operands[0]).shape;
    case FusionRole::elementwise:
    case FusionRole::movement:
    case FusionRole::reshape:
    case FusionRole::contraction:
    case FusionRole::window:
    case FusionRole::source: return n.type.shape;
  }
  GRAPHC_ASSERT(false, "fusion role ", static_cast<int>(role), " out of range");
}

// A softmax's rows: its logits without the class axis.
Shape softmax_rows(const Graph& g, ValueId v) {
  const Node& n = g.node(v);
  const Shape& logits = g.type(n.operands[0]).shape;
  if (n.op == OpKind::softmax_cross_entropy) return n.type.shape;
  int64_t axis = n.i("axis");
  if (axis < 0) axis += static_cast<int64_t>(logits.rank());
  std::vector<int64_t> dims;
  for (size_t a = 0; a < logits.rank(); ++a)
    if (static_cast<int64_t>(a) != axis) dims.push_back(logits[a]);
  return Shape(dims);
}

}  // namespace

Partition::Partition(const Graph& g)
    : g_(g),
      users_(g.size()),
      graph_output_(g.size(), false),
      group_of_(g.size(), -1),
      nodes_(g.size()),
      space_(g.size()),
      reduced_(g.size()),
      visited_(g.size(), 0) {
  for (ValueId v = 0; v < static_cast<ValueId>(g.size()); ++v) {
    const Node& n = g.node(v);
    roles_.push_back(fusion_role(n.op));
    std::set<ValueId> operands(n.operands.begin(), n.operands.end());
    for (ValueId o : operands) users_[o].push_back(v);
    if (roles_[v] == FusionRole::source) continue;
    group_of_[v] = v;
    nodes_[v] = {v};
    space_[v] = main_space(g, v, roles_[v]);
    reduced_[v] = roles_[v] == FusionRole::reduction ? n.type.shape
                  : roles_[v] == FusionRole::softmax ? softmax_rows(g, v)
                                                     : space_[v];
  }
  for (const Output& o : g.outputs()) graph_output_[o.value] = true;
}

std::vector<int> Partition::groups() const {
  std::vector<int> result;
  for (ValueId v = 0; v < static_cast<ValueId>(g_.size()); ++v)
    if (group_of_[v] == v) result.push_back(v);
  return result;
}

std::vector<int> Partition::consumer_groups(int group) const {
  std::set<int> result;
  for (ValueId v : nodes_[group])
    for (ValueId u : users_[v])
      if (group_of_[u] != group) result.insert(group_of_[u]);
  return {result.begin(), result.end()};
}

bool Partition::is_elementwise(int group) const {
  for (ValueId v : nodes_[group])
    if (roles_[v] != FusionRole::elementwise && roles_[v] != FusionRole::movement) return false;
  return true;
}

bool Partition::has_path_around(int from, int to) {
  // Node ids are a topological order, so a path into `to` never passes a
  // node later than to's last one: the search stops there.
  const ValueId limit = nodes_[to].back();
  ++stamp_;
  std::vector<ValueId> stack;
  for (ValueId v : nodes_[from])
    for (ValueId u : users_[v])
      if (group_of_[u] != from && group_of_[u] != to && u < limit && visited_[u] != stamp_) {
        visited_[u] = stamp_;
        stack.push_back(u);
      }
  while (!stack.empty()) {
    ValueId v = stack.back();
    stack.pop_back();
    for (ValueId u : users_[v]) {
      if (u > limit || visited_[u] == stamp_ || group_of_[u] == from) continue;
      if (group_of_[u] == to) return true;
      visited_[u] = stamp_;
      stack.push_back(u);
    }
  }
  return false;
}

bool Partition::try_merge(int host, int guest) {
  GRAPHC_ASSERT(host != guest && group_of_[host] == host && group_of_[guest] == guest, "merging ", host, " and ",
                guest, ", which are not two groups");
  if (has_path_around(host, guest) || has_path_around(guest, host)) return false;
  for (ValueId v : nodes_[guest]) group_of_[v] = host;
  std::vector<ValueId> merged;
  std::merge(nodes_[host].begin(), nodes_[host].end(), nodes_[guest].begin(), nodes_[guest].end(),
             std::back_inserter(merged));
  nodes_[host] = std::move(merged);
  nodes_[guest].clear();
  return true;
}

}  // namespace graphc::passes
