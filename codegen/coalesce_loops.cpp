// See coalesce_loops.h.
#include "codegen/coalesce_loops.h"

#include <functional>

namespace graphc::codegen {

namespace {

SizeExpr coeff_of(const AffineIndex& ix, VarId v) {
  for (const AffineIndex::Term& t : ix.terms)
    if (t.var == v) return t.coeff;
  return SizeExpr(0);
}

// Calls f on every index the statements read or write; false from f, or a
// use of a or b other than through an index, stops the walk with false.
bool each_index(const std::vector<Stmt>& body, VarId a, VarId b, const std::function<bool(const AffineIndex&)>& f) {
  std::function<bool(const Expr&)> expr = [&](const Expr& e) {
    if (e.kind == ExprKind::loop_index && (e.var == a || e.var == b)) return false;
    if (e.kind == ExprKind::load && !f(e.index)) return false;
    for (const ExprPtr& o : e.operands)
      if (!expr(*o)) return false;
    return true;
  };
  for (const Stmt& s : body) {
    switch (s.kind) {
      case StmtKind::gemm: return false;
      case StmtKind::store:
        if (!f(s.index)) return false;
        break;
      case StmtKind::loop:
      case StmtKind::let:
      case StmtKind::accumulate:
      case StmtKind::if_then: break;
    }
    if (s.value != nullptr && !expr(*s.value)) return false;
    if (!each_index(s.body, a, b, f)) return false;
  }
  return true;
}

// index with a*E2 + b replaced by b (the caller checked the ratio).
AffineIndex merged(const AffineIndex& ix, VarId a) {
  AffineIndex out{ix.offset, {}};
  for (const AffineIndex::Term& t : ix.terms)
    if (t.var != a) out.terms.push_back(t);
  return out;
}

ExprPtr rewrite(const ExprPtr& e, VarId a) {
  if (e->kind != ExprKind::load && e->operands.empty()) return e;
  auto copy = std::make_shared<Expr>(*e);
  if (copy->kind == ExprKind::load) copy->index = merged(copy->index, a);
  for (ExprPtr& o : copy->operands) o = rewrite(o, a);
  return copy;
}

void rewrite(std::vector<Stmt>& body, VarId a) {
  for (Stmt& s : body) {
    if (s.kind == StmtKind::store) s.index = merged(s.index, a);
    if (s.value != nullptr) s.value = rewrite(s.value, a);
    rewrite(s.body, a);
  }
}

bool can_merge(const Stmt& outer) {
  if (outer.kind != StmtKind::loop || outer.body.size() != 1) return false;
  const Stmt& inner = outer.body[0];
  if (inner.kind != StmtKind::loop || !inner.extent.is_constant() || inner.extent.constant <= 0) return false;
  if (outer.parallel ? !inner.parallel : inner.parallel) return false;
  const SizeExpr e2 = inner.extent;
  return each_index(inner.body, outer.var, inner.var, [&](const AffineIndex& ix) {
    return coeff_of(ix, outer.var) == coeff_of(ix, inner.var) * e2;
  });
}

void coalesce(std::vector<Stmt>& body) {
  for (Stmt& s : body) {
    coalesce(s.body);
    while (can_merge(s)) {
      Stmt inner = std::move(s.body[0]);
      rewrite(inner.body, s.var);
      inner.extent = s.extent * inner.extent;
      s = std::move(inner);
    }
  }
}

}  // namespace

void coalesce_loops(Kernel& kernel) { coalesce(kernel.body); }

}  // namespace graphc::codegen
