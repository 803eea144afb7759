// Rules 1, 5, 7 and 8 of fusion_rules.h (elementwise clusters, contraction
// and pool epilogues, small producers, reshapes) and the kernel-shape guard
// every rule shares. The anchored rules (softmax, bias gradients,
// reductions) are in fusion_anchor_rules.cpp.
#include <algorithm>
#include <set>

#include "ir/error.h"
#include "passes/fusion_rule_helpers.h"
#include "passes/fusion_rules.h"

namespace graphc::passes {

namespace {

bool index_op(FusionRole r) { return r == FusionRole::elementwise || r == FusionRole::movement; }

}  // namespace

bool one_pass_kernel(const Partition& p, int host, int guest) {
  std::vector<ValueId> nodes;
  std::merge(p.nodes(host).begin(), p.nodes(host).end(), p.nodes(guest).begin(), p.nodes(guest).end(),
             std::back_inserter(nodes));
  std::set<ValueId> members(nodes.begin(), nodes.end());
  std::set<ValueId> after_anchor;
  int heavy = 0, softmaxes = 0;
  for (ValueId v : nodes) {
    const FusionRole role = p.role(v);
    heavy += role == FusionRole::contraction || role == FusionRole::window;
    softmaxes += role == FusionRole::softmax;
    bool after = is_anchor_role(role);
    for (ValueId o : p.graph().node(v).operands) {
      if (!members.count(o)) continue;
      // Only a reduction reads values computed in its own kernel (its
      // prologue), and never one computed after another anchor.
      if (is_anchor_role(role) && (role != FusionRole::reduction || after_anchor.count(o))) return false;
      if (after_anchor.count(o)) after = true;
    }
    if (after) after_anchor.insert(v);
  }
  return heavy <= 1 && (heavy == 0 || softmaxes == 0);
}

bool merge_if_one_pass(Partition& p, int host, int guest) {
  return one_pass_kernel(p, host, guest) && p.try_merge(host, guest);
}

bool absorb_consumers(Partition& p, int host, const std::vector<Shape>& spaces) {
  bool any = false;
  std::set<int> refused;
  for (bool changed = true; changed;) {
    changed = false;
    for (int c : p.consumer_groups(host)) {
      if (refused.count(c) || !p.is_elementwise(c)) continue;
      if (std::find(spaces.begin(), spaces.end(), p.space(c)) == spaces.end() || !merge_if_one_pass(p, host, c)) {
        refused.insert(c);
        continue;
      }
      changed = any = true;
      break;  // the host's consumers changed
    }
  }
  return any;
}

namespace {

// A cast to a wider type (a bool mask to f32) stays with its readers, not
// with its producer: a kernel boundary between them then passes the narrow
// value (the relu mask saved by the forward pass for the backward one is one
// byte per element, not four). fold_small_producers moves it to its reader.
bool is_widening_cast(const Graph& g, ValueId v) {
  const Node& n = g.node(v);
  return n.op == OpKind::cast && dtype_size(g.type(n.operands[0]).dtype) < dtype_size(n.type.dtype);
}

}  // namespace

void cluster_elementwise(Partition& p) {
  const Graph& g = p.graph();
  for (ValueId v = 0; v < static_cast<ValueId>(g.size()); ++v) {
    if (!index_op(p.role(v)) || is_widening_cast(g, v)) continue;
    for (ValueId o : g.node(v).operands)
      if (index_op(p.role(o)) && g.type(o).shape == g.type(v).shape && p.group_of(o) != p.group_of(v))
        p.try_merge(p.group_of(o), p.group_of(v));
  }
}

void absorb_contraction_and_window_epilogues(Partition& p) {
  for (ValueId v = 0; v < static_cast<ValueId>(p.graph().size()); ++v)
    if (p.role(v) == FusionRole::contraction || p.role(v) == FusionRole::window)
      absorb_consumers(p, p.group_of(v), {p.space(p.group_of(v))});
}

namespace {

// What fold_small_producers needs to know about where a group's values go.
struct Readers {
  std::set<int> groups;                                   // the groups reading them
  std::vector<std::pair<ValueId, ValueId>> edges;         // (value, the op reading it), through reshapes
  std::vector<ValueId> reshapes;                          // unplaced reshapes in between
  bool only_elementwise = true;                           // every reader is an elementwise/movement op
};

void collect_readers(const Partition& p, ValueId value, ValueId via, Readers& r) {
  for (ValueId u : p.users(via)) {
    if (p.group_of(u) == p.group_of(value)) {
      if (via != value) r.only_elementwise = false;  // read back through a reshape: leave it be
      continue;
    }
    if (p.role(u) == FusionRole::reshape && p.group_of(u) == u) {
      if (p.is_graph_output(u)) r.only_elementwise = false;
      r.reshapes.push_back(u);
      collect_readers(p, value, u, r);
      continue;
    }
    r.only_elementwise &= index_op(p.role(u));
    r.groups.insert(p.group_of(u));
    r.edges.emplace_back(value, u);
  }
}

// Ops cheap enough to compute again for every element they are broadcast to.
bool is_cheap_op(OpKind k) {
  static const OpKind cheap[] = {OpKind::add, OpKind::sub,       OpKind::mul,       OpKind::neg,   OpKind::abs,
                                 OpKind::relu, OpKind::max,      OpKind::min,       OpKind::eq,    OpKind::ne,
                                 OpKind::lt,  OpKind::le,        OpKind::gt,        OpKind::ge,    OpKind::select,
                                 OpKind::cast, OpKind::transpose, OpKind::broadcast, OpKind::slice, OpKind::pad};
  return std::find(std::begin(cheap), std::end(cheap), k) != std::end(cheap);
}

// Movement ops that read each element of their operand at most once: a
// producer inlined through them is still computed once per element.
bool reads_each_element_once(OpKind k) {
  return k == OpKind::transpose || k == OpKind::pad || k == OpKind::slice || k == OpKind::concat;
}

bool is_single_element(const Shape& s) { return !s.has_batch() && s.static_numel() == 1; }

bool holds_contraction(const Partition& p, int group) {
  const std::vector<ValueId>& nodes = p.nodes(group);
  return std::any_of(nodes.begin(), nodes.end(), [&](ValueId v) { return p.role(v) == FusionRole::contraction; });
}

// Whether `group`, moved into its only reader `host`, costs less than a
// kernel of its own: it is still computed once per element (its readers
// have its shape, or remap indices one to one), or it is small (at most 4
// ops reading at most 2 tensors) and computing it again for every element
// it is broadcast to costs little: a single-element value is loop-invariant;
// next to a contraction's K multiply-adds per element a few ops are noise;
// elsewhere only two cheap ops (no division, no transcendental) are.
bool cheap_to_recompute(const Partition& p, int group, int host, const Readers& readers) {
  const Graph& g = p.graph();
  const std::vector<ValueId>& nodes = p.nodes(group);
  bool computed_once = true;
  for (const auto& [value, reader] : readers.edges)
    computed_once &= g.type(value).shape == g.type(reader).shape || reads_each_element_once(g.node(reader).op);
  if (computed_once) return true;
  std::set<ValueId> inputs;
  bool scalar = true, cheap = true;
  for (ValueId v : nodes) {
    scalar &= is_single_element(g.type(v).shape);
    cheap &= is_cheap_op(g.node(v).op);
    for (ValueId o : g.node(v).operands)
      if (p.group_of(o) != group && g.node(o).op != OpKind::constant && g.node(o).op != OpKind::batch_size)
        inputs.insert(o);
  }
  if (nodes.size() > 4 || inputs.size() > 2) return false;
  return scalar || holds_contraction(p, host) || (cheap && nodes.size() <= 2);
}

}  // namespace

void fold_small_producers(Partition& p) {
  for (int group : p.groups()) {
    if (p.nodes(group).empty() || !p.is_elementwise(group)) continue;
    Readers readers;
    for (ValueId v : p.nodes(group)) collect_readers(p, v, v, readers);
    if (readers.groups.size() != 1 || !readers.only_elementwise) continue;
    const int host = *readers.groups.begin();
    if (!cheap_to_recompute(p, group, host, readers)) continue;
    // The reshapes in between go first, the last of a chain first: as
    // groups of their own they would stand between the two. They are read
    // only by the host, so they belong there even if the producer stays out.
    std::sort(readers.reshapes.rbegin(), readers.reshapes.rend());
    for (ValueId r : readers.reshapes) {
      bool merged = p.try_merge(host, r);
      GRAPHC_ASSERT(merged, "reshape %", r, ", read only by one group, must join it");
    }
    merge_if_one_pass(p, host, group);
  }
}

void place_reshapes(Partition& p) {
  const Graph& g = p.graph();
  for (ValueId r = 0; r < static_cast<ValueId>(g.size()); ++r) {
    if (p.role(r) != FusionRole::reshape || p.group_of(r) != r) continue;
    std::set<int> readers;
    for (ValueId u : p.users(r)) readers.insert(p.group_of(u));
    // Read by one group: that group reads the operand's bytes under the new
    // shape. Read by several: the group writing the operand writes the
    // reshaped value too (the same bytes). A reshaped source read by
    // several: the first of them that can run before the others.
    if (readers.size() == 1 && !p.is_graph_output(r) && p.try_merge(*readers.begin(), r)) continue;
    const int producer = p.group_of(g.node(r).operands[0]);
    if (producer != -1 && p.try_merge(producer, r)) continue;
    for (int reader : readers)
      if (p.try_merge(reader, r)) break;
  }
}

}  // namespace graphc::passes
