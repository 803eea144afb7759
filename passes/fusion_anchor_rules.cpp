// Rules 2, 3, 4 and 6 of fusion_rules.h: the groups built around softmaxes,
// bias gradients and reductions, which need to know what their anchors
// reduce over.
#include <algorithm>
#include <set>

#include "passes/fusion_rule_helpers.h"
#include "passes/fusion_rules.h"

namespace graphc::passes {

namespace {

int64_t normalised_axis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

// What a reduction reduces: its sorted axes and whether it keeps them.
struct ReducedAxes {
  std::vector<int64_t> axes;
  bool keepdims = false;
  bool operator==(const ReducedAxes&) const = default;
};

ReducedAxes reduced_axes(const Graph& g, ValueId r) {
  const Node& n = g.node(r);
  const size_t rank = g.type(n.operands[0]).shape.rank();
  if (n.op == OpKind::argmax) return {{normalised_axis(n.i("axis"), rank)}, false};
  ReducedAxes result{{}, n.b("keepdims")};
  for (int64_t a : n.ints("axes")) result.axes.push_back(normalised_axis(a, rank));
  std::sort(result.axes.begin(), result.axes.end());
  return result;
}

// The axis a softmax-family op normalises over (the class axis of
// softmax_cross_entropy's [N,C] logits).
int64_t softmax_axis(const Graph& g, ValueId s) {
  const Node& n = g.node(s);
  if (n.op == OpKind::softmax_cross_entropy) return 1;
  return normalised_axis(n.i("axis"), g.type(n.operands[0]).shape.rank());
}

ValueId first_of_role(const Partition& p, int group, FusionRole role) {
  for (ValueId v : p.nodes(group))
    if (p.role(v) == role) return v;
  return -1;
}

// A group made of reductions and elementwise ops only.
bool is_reduction_group(const Partition& p, int group) {
  bool has_reduction = false;
  for (ValueId v : p.nodes(group)) {
    if (p.role(v) == FusionRole::reduction) has_reduction = true;
    if (p.role(v) == FusionRole::contraction || p.role(v) == FusionRole::window || p.role(v) == FusionRole::softmax)
      return false;
  }
  return has_reduction;
}

// Whether reduction r can be one more output of `group`: same input space,
// same axes.
bool compatible_reduction(const Partition& p, int group, ValueId r) {
  if (!is_reduction_group(p, group) || p.space(group) != p.space(p.group_of(r))) return false;
  return reduced_axes(p.graph(), first_of_role(p, group, FusionRole::reduction)) == reduced_axes(p.graph(), r);
}

// Where a group's inputs come from: the groups writing them, or the sources
// themselves (as -1 - id); constants and the batch size are folded into code.
std::set<int> producers(const Partition& p, int group) {
  std::set<int> result;
  for (ValueId v : p.nodes(group))
    for (ValueId o : p.graph().node(v).operands) {
      const OpKind op = p.graph().node(o).op;
      if (p.group_of(o) == group || op == OpKind::constant || op == OpKind::batch_size) continue;
      result.insert(p.group_of(o) != -1 ? p.group_of(o) : -1 - o);
    }
  return result;
}

bool share_a_producer(const Partition& p, int a, int b) {
  std::set<int> pa = producers(p, a), pb = producers(p, b);
  return std::any_of(pa.begin(), pa.end(), [&](int x) { return pb.count(x) != 0; });
}

// Whether `contraction` computes a weight gradient by contracting `dy` over
// exactly the axes the reduction r sums dy over, so r is the bias gradient
// of the same layer: sum over K of dY, beside sum over K of dY * X.
bool contracts_over(const Graph& g, ValueId contraction, ValueId dy, ValueId r) {
  const Node& c = g.node(contraction);
  const ReducedAxes axes = reduced_axes(g, r);
  if (axes.keepdims) return false;
  if (c.op == OpKind::matmul) {
    if (g.type(dy).shape.rank() != 2 || c.type.shape.rank() != 2 || axes.axes != std::vector<int64_t>{0}) return false;
    return (c.operands[0] == dy && c.b("transpose_a")) || (c.operands[1] == dy && !c.b("transpose_b"));
  }
  if (c.op == OpKind::conv2d_grad_weight)
    return c.operands[1] == dy && axes.axes == std::vector<int64_t>{0, 2, 3};
  return false;
}

bool read_outside(const Partition& p, ValueId v, const std::set<int>& groups) {
  if (p.is_graph_output(v)) return true;
  const std::vector<ValueId>& users = p.users(v);
  return std::any_of(users.begin(), users.end(), [&](ValueId u) { return !groups.count(p.group_of(u)); });
}

size_t count_read_outside(const Partition& p, int group, const std::set<int>& groups) {
  const std::vector<ValueId>& nodes = p.nodes(group);
  return std::count_if(nodes.begin(), nodes.end(), [&](ValueId v) { return read_outside(p, v, groups); });
}

// An elementwise cluster between a contraction (or pool) whose output space
// it shares and a reduction of that space can be the epilogue of the one or
// the prologue of the other. The choice that stores fewer tensors wins, the
// epilogue on a tie: relu(conv + b) feeding a sum stays with the conv (it
// stores the relu either way), the products of batch-norm backward go with
// their reductions (the conv then stores dY alone instead of every product).
bool prologue_stores_less(const Partition& p, int cluster, ValueId r) {
  const Graph& g = p.graph();
  int anchor_group = -1;
  for (ValueId v : p.nodes(cluster))
    for (ValueId o : g.node(v).operands) {
      const int producer = p.group_of(o);
      if (producer == -1 || producer == cluster || p.space(producer) != p.space(cluster)) continue;
      for (ValueId a : p.nodes(producer))
        if (p.role(a) == FusionRole::contraction || p.role(a) == FusionRole::window) anchor_group = producer;
    }
  if (anchor_group == -1) return true;
  // The reductions that would join r in one kernel over the cluster.
  std::set<int> with_reductions{cluster};
  for (ValueId v : p.nodes(cluster))
    for (ValueId u : p.users(v))
      if (p.role(u) == FusionRole::reduction && p.group_of(u) == u && p.space(u) == p.space(cluster) &&
          reduced_axes(g, u) == reduced_axes(g, r))
        with_reductions.insert(u);
  const size_t as_epilogue = count_read_outside(p, anchor_group, {anchor_group, cluster}) +
                             count_read_outside(p, cluster, {anchor_group, cluster});
  const size_t as_prologue = count_read_outside(p, anchor_group, {anchor_group}) +
                             count_read_outside(p, cluster, with_reductions);
  return as_prologue < as_epilogue;
}

}  // namespace

void form_softmax_groups(Partition& p) {
  const Graph& g = p.graph();
  for (ValueId s = 0; s < static_cast<ValueId>(g.size()); ++s) {
    if (p.role(s) != FusionRole::softmax) continue;
    const ValueId logits = g.node(s).operands[0];
    const int64_t axis = softmax_axis(g, s);
    // A softmax over the same rows as an earlier one is the same kernel.
    for (ValueId other : p.users(logits))
      if (other < s && p.role(other) == FusionRole::softmax && softmax_axis(g, other) == axis &&
          p.group_of(other) != p.group_of(s) && merge_if_one_pass(p, p.group_of(other), p.group_of(s)))
        break;
    const int host = p.group_of(s);
    // Row reductions of the logits (argmax for the accuracy) read the same rows.
    for (ValueId r : p.users(logits))
      if (p.role(r) == FusionRole::reduction && p.group_of(r) == r && p.nodes(r).size() == 1 &&
          reduced_axes(g, r) == ReducedAxes{{axis}, false})
        merge_if_one_pass(p, host, r);
    absorb_consumers(p, host, {p.space(host), p.reduced(host)});
  }
}

void fuse_bias_gradients(Partition& p) {
  const Graph& g = p.graph();
  for (ValueId r = 0; r < static_cast<ValueId>(g.size()); ++r) {
    if (g.node(r).op != OpKind::reduce_sum || p.group_of(r) != r || p.nodes(r).size() != 1) continue;
    const ValueId dy = g.node(r).operands[0];
    for (ValueId c : p.users(dy))
      if (p.role(c) == FusionRole::contraction && contracts_over(g, c, dy, r) && merge_if_one_pass(p, p.group_of(c), r))
        break;
  }
}

void form_reduction_groups(Partition& p) {
  const Graph& g = p.graph();
  for (ValueId r = 0; r < static_cast<ValueId>(g.size()); ++r) {
    if (p.role(r) != FusionRole::reduction || p.group_of(r) != r || p.nodes(r).size() != 1) continue;
    const int producer = p.group_of(g.node(r).operands[0]);
    if (producer != -1 && p.is_elementwise(producer) && p.space(producer) == p.space(r)) {
      if (prologue_stores_less(p, producer, r)) merge_if_one_pass(p, r, producer);
    } else if (producer != -1 && compatible_reduction(p, producer, r) && merge_if_one_pass(p, producer, r)) {
      continue;  // one more output of the kernel computing its input
    }
    for (int other : p.groups())
      if (other != r && compatible_reduction(p, other, r) && share_a_producer(p, other, r) &&
          merge_if_one_pass(p, other, r))
        break;
  }
}

void absorb_reduction_epilogues(Partition& p) {
  for (int group : p.groups())
    if (is_reduction_group(p, group)) absorb_consumers(p, group, {p.reduced(group)});
}

}  // namespace graphc::passes
