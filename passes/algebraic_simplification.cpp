#include "passes/algebraic_simplification.h"

#include <optional>
#include <set>

#include "ir/shape_inference.h"
#include "passes/graph_rebuild.h"

namespace graphc::passes {

namespace {

bool is_constant(const Graph& g, ValueId v, double value) {
  const Node& n = g.node(v);
  return n.op == OpKind::constant && n.f("value") == value;
}

bool is_identity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// The axes of `to` that broadcasting `from` to `to` fills in: the leading
// new axes and the size-1 axes that grow.
std::set<int64_t> broadcast_axes(const Shape& from, const Shape& to) {
  std::set<int64_t> axes;
  size_t lead = to.rank() - from.rank();
  for (size_t i = 0; i < to.rank(); ++i)
    if (i < lead || (from[i - lead] == 1 && to[i] != 1)) axes.insert(static_cast<int64_t>(i));
  return axes;
}

// Whether x holds a single element (all its dimensions are 1, or none).
bool is_single_element(const Shape& x) {
  for (int64_t d : x.dims())
    if (d != 1) return false;
  return true;
}

// A single element broadcast to `to`, skipping the reshapes and broadcasts
// that spread it, or nullopt when x's rank does not fit under `to`.
std::optional<ValueId> spread_single_element(Graph& g, ValueId x, const Shape& to) {
  const Shape& s = g.type(x).shape;
  if (!is_single_element(s) || s.rank() > to.rank()) return std::nullopt;
  if (s == to) return x;
  return g.add(OpKind::broadcast, {x}, {{"shape", to.dims()}});
}

// For elementwise ops: operands that are explicit broadcasts the op would
// do implicitly anyway are replaced by what they broadcast. Returns the new
// operand list if any was replaced.
std::optional<std::vector<ValueId>> drop_implicit_broadcasts(Graph& g, const Node& n, std::vector<ValueId> ops) {
  bool replaced = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Node& operand = g.node(ops[i]);
    if (operand.op != OpKind::broadcast) continue;
    std::vector<ValueId> trial = ops;
    trial[i] = operand.operands[0];
    std::optional<Shape> shape = g.type(trial[0]).shape;
    for (size_t j = 1; j < trial.size() && shape; ++j) shape = broadcast_shapes(*shape, g.type(trial[j]).shape);
    if (shape && *shape == n.type.shape) {
      ops = trial;
      replaced = true;
    }
  }
  if (!replaced) return std::nullopt;
  return ops;
}

// The rewrites. `n` is the old node, `ops` its operands in the new graph `g`;
// returns the new value standing for n, or nullopt to keep n as it is.
std::optional<ValueId> rewrite(Graph& g, const Node& n, const std::vector<ValueId>& ops) {
  auto same_type_as = [&](ValueId x) { return g.type(x) == n.type; };
  if (n.info().cls == OpClass::elementwise && ops.size() >= 2)
    if (auto narrower = drop_implicit_broadcasts(g, n, ops)) return g.add(n.op, *narrower, n.attrs);
  switch (n.op) {
    case OpKind::mul:
      if (is_constant(g, ops[1], 1) && same_type_as(ops[0])) return ops[0];
      if (is_constant(g, ops[0], 1) && same_type_as(ops[1])) return ops[1];
      return std::nullopt;
    case OpKind::add:
      if (is_constant(g, ops[1], 0) && same_type_as(ops[0])) return ops[0];
      if (is_constant(g, ops[0], 0) && same_type_as(ops[1])) return ops[1];
      return std::nullopt;
    case OpKind::sub:
      if (is_constant(g, ops[1], 0) && same_type_as(ops[0])) return ops[0];
      return std::nullopt;
    case OpKind::div:
      if (is_constant(g, ops[1], 1) && same_type_as(ops[0])) return ops[0];
      return std::nullopt;
    case OpKind::neg:
      if (g.node(ops[0]).op == OpKind::neg) return g.node(ops[0]).operands[0];
      return std::nullopt;
    case OpKind::cast:
      if (same_type_as(ops[0])) return ops[0];
      return std::nullopt;
    case OpKind::transpose: {
      const Node& inner = g.node(ops[0]);
      if (is_identity(n.ints("perm"))) return ops[0];
      if (inner.op != OpKind::transpose) return std::nullopt;
      const auto &p = inner.ints("perm"), &q = n.ints("perm");
      std::vector<int64_t> composed(q.size());
      for (size_t i = 0; i < q.size(); ++i) composed[i] = p[q[i]];  // out[i] = inner[q[i]] = x[p[q[i]]]
      ValueId x = inner.operands[0];
      if (is_identity(composed)) return x;
      return g.add(OpKind::transpose, {x}, {{"perm", composed}});
    }
    case OpKind::reshape: {
      const Node& inner = g.node(ops[0]);
      if (inner.op == OpKind::broadcast)
        if (auto spread = spread_single_element(g, inner.operands[0], n.type.shape)) return spread;
      ValueId x = inner.op == OpKind::reshape ? inner.operands[0] : ops[0];
      if (g.type(x) == n.type) return x;
      if (x == ops[0]) return std::nullopt;
      return g.add(OpKind::reshape, {x}, n.attrs);
    }
    case OpKind::broadcast: {
      const Node& inner = g.node(ops[0]);
      if (inner.op == OpKind::reshape)
        if (auto spread = spread_single_element(g, inner.operands[0], n.type.shape)) return spread;
      ValueId x = inner.op == OpKind::broadcast ? inner.operands[0] : ops[0];
      if (g.type(x) == n.type) return x;
      if (x == ops[0]) return std::nullopt;
      return g.add(OpKind::broadcast, {x}, n.attrs);
    }
    case OpKind::reduce_sum: {
      const auto& axes = n.ints("axes");
      if (axes.empty()) return ops[0];
      const Node& inner = g.node(ops[0]);
      if (inner.op != OpKind::broadcast) return std::nullopt;
      ValueId x = inner.operands[0];
      const Shape& wide = inner.type.shape;
      if (broadcast_axes(g.type(x).shape, wide) != std::set<int64_t>(axes.begin(), axes.end())) return std::nullopt;
      double count = 1;
      for (int64_t a : axes) {
        if (wide[a] == kBatch) return std::nullopt;
        count *= static_cast<double>(wide[a]);
      }
      ValueId scaled = x;
      if (count != 1) scaled = g.add(OpKind::mul, {x, g.add_constant(count, n.type.dtype)});
      if (g.type(scaled) == n.type) return scaled;
      return g.add(OpKind::reshape, {scaled}, {{"shape", n.type.shape.dims()}});
    }
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid:
    case OpKind::relu:
    case OpKind::abs:
    case OpKind::max:
    case OpKind::min:
    case OpKind::pow:
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge:
    case OpKind::select:
    case OpKind::reduce_max:
    case OpKind::argmax:
    case OpKind::slice:
    case OpKind::pad:
    case OpKind::concat:
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight:
    case OpKind::max_pool2d:
    case OpKind::max_pool2d_grad:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad:
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::softmax_cross_entropy:
    case OpKind::one_hot:
    case OpKind::dropout_mask: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

bool simplify_algebra(Graph& g) {
  GraphRebuild r(g);
  bool rewritten = false;
  for (size_t i = 0; i < g.size(); ++i) {
    ValueId v = static_cast<ValueId>(i);
    std::optional<ValueId> replacement = rewrite(r.new_graph(), g.node(v), r.mapped_operands(v));
    if (!replacement) {
      r.copy(v);
      continue;
    }
    r.map(v, *replacement);
    rewritten = true;
  }
  if (!rewritten) return false;
  g = r.finish();
  return true;
}

}  // namespace graphc::passes
