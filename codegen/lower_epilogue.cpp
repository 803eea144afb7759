// See lower_epilogue.h. Planning is one forward pass over the group's nodes
// (topological) deciding which values can be computed at the anchor's
// coordinates in its body, then one backward pass collecting the values the
// chosen outputs need from the anchor.
#include "codegen/lower_epilogue.h"

#include <algorithm>
#include <set>

namespace graphc::codegen::lowering {

namespace {

// Ops Context::compute writes as expressions (reshape only of a buffer).
bool inlinable(const Context& ctx, const Node& n) {
  switch (n.info().cls) {
    case OpClass::elementwise: return true;
    case OpClass::movement:
      return n.op != OpKind::reshape || !ctx.in_group(n.operands[0]) || ctx.is_materialised(n.operands[0]);
    case OpClass::other: return n.op == OpKind::one_hot || n.op == OpKind::dropout_mask;
    case OpClass::source:
    case OpClass::reduction:
    case OpClass::contraction: return false;
  }
  return false;
}

bool contains(const std::vector<ValueId>& vs, ValueId v) { return std::find(vs.begin(), vs.end(), v) != vs.end(); }

}  // namespace

Epilogue plan_epilogue(Context& ctx, ValueId anchor) {
  const Graph& g = ctx.graph();
  const std::vector<ValueId>& nodes = ctx.group().nodes;
  const Shape& shape = g.type(anchor).shape;
  // depends: reads the anchor's value (through unmaterialised nodes).
  // computable: can be computed in the anchor's body at its coordinates;
  // whatever depends on the anchor must then be elementwise over its shape,
  // so that it reads the anchor at those very coordinates.
  std::set<ValueId> depends{anchor}, computable{anchor};
  for (ValueId v : nodes) {
    if (v == anchor) continue;
    if (ctx.is_materialised(v)) {
      computable.insert(v);
      continue;
    }
    const Node& n = g.node(v);
    bool reads_anchor = false, operands_ok = true;
    for (ValueId o : n.operands) {
      if (!ctx.in_group(o)) continue;
      reads_anchor |= depends.count(o) != 0;
      operands_ok &= computable.count(o) != 0;
    }
    if (reads_anchor) depends.insert(v);
    const bool ok = reads_anchor ? n.info().cls == OpClass::elementwise && n.type.shape == shape : inlinable(ctx, n);
    if (ok && operands_ok) computable.insert(v);
  }

  Epilogue e;
  e.anchor = anchor;
  for (ValueId o : ctx.group().outputs) {
    if (o == anchor || ctx.is_materialised(o)) continue;
    const Node& n = g.node(o);
    if (depends.count(o) && computable.count(o) && n.type.shape == shape) e.outputs.push_back(o);
    if (n.op == OpKind::reshape && n.operands[0] == anchor) e.reshaped.push_back(o);
  }
  // The values computed in the body on the way from the anchor to the outputs.
  std::set<ValueId> fused(e.outputs.begin(), e.outputs.end());
  fused.insert(e.reshaped.begin(), e.reshaped.end());
  for (size_t i = nodes.size(); i-- > 0;) {
    const ValueId v = nodes[i];
    if (!fused.count(v) || v == anchor) continue;
    for (ValueId o : g.node(v).operands)
      if (depends.count(o)) fused.insert(o);
  }
  fused.insert(anchor);
  // The anchor's buffer is needed by an output role, or by a reader that
  // the body does not serve (it would recompute a fused value from it).
  e.store_anchor = ctx.is_output(anchor);
  for (ValueId v : nodes) {
    if (fused.count(v)) continue;
    for (ValueId o : g.node(v).operands)
      if (fused.count(o) && !contains(e.outputs, o) && !contains(e.reshaped, o)) e.store_anchor = true;
  }
  return e;
}

void emit_epilogue(Context& ctx, const Epilogue& e, const Coords& coords, const ExprPtr& value, Body& body) {
  const TensorType& t = ctx.graph().type(e.anchor);
  ExprPtr held = value;
  if (held->kind != ExprKind::scalar) {
    const ScalarId s = ctx.kernel().add_scalar(t.dtype);
    body.stmts.push_back(make_let(s, value));
    held = make_scalar(s, t.dtype);
  }
  // Readers of the anchor at these coordinates find its register.
  body.computed.push_back({{e.anchor, coords}, held->scalar});
  const AffineIndex flat = linearize(coords, t.shape);
  if (e.store_anchor) body.stmts.push_back(make_store(ctx.materialise_into(e.anchor), flat, held));
  for (ValueId r : e.reshaped) body.stmts.push_back(make_store(ctx.materialise_into(r), flat, held));
  for (ValueId o : e.outputs) {
    ExprPtr x = ctx.value_at(o, coords, body);
    body.stmts.push_back(make_store(ctx.materialise_into(o), flat, x));
  }
}

void finish_epilogue(Context& ctx, const Epilogue& e) {
  for (ValueId o : e.outputs) ctx.mark_materialised(o);
  for (ValueId r : e.reshaped) ctx.mark_materialised(r);
}

}  // namespace graphc::codegen::lowering
