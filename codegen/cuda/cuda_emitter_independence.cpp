// When iterations of a loop, or statements of launches, may run on
// different GPU threads: the analyses behind the emitter's flattened
// grid-stride nests and block-cooperative nests.
#include <algorithm>

#include "codegen/cuda/cuda_emitter_internal.h"

namespace graphc::codegen::cuda::detail {

bool defined_before_read(const std::vector<Stmt>& stmts, std::set<ScalarId> defined) {
  auto reads_defined = [&](const Expr& e) {
    Uses u;
    collect_uses(e, u);
    return std::includes(defined.begin(), defined.end(), u.scalars_read.begin(), u.scalars_read.end());
  };
  for (const Stmt& s : stmts) {
    if (s.value && !reads_defined(*s.value)) return false;
    switch (s.kind) {
      case StmtKind::let: defined.insert(s.scalar); break;
      case StmtKind::accumulate:
        if (!defined.count(s.scalar)) return false;
        break;
      case StmtKind::loop:
      case StmtKind::if_then:
        // What the body assigns may not happen (zero trips, false condition).
        if (!defined_before_read(s.body, defined)) return false;
        break;
      case StmtKind::store:
      case StmtKind::gemm: break;
    }
  }
  return true;
}

namespace {

// Every store under `s` has a term in `var`.
bool stores_indexed_by(const Stmt& s, VarId var) {
  if (s.kind == StmtKind::gemm) return false;
  if (s.kind == StmtKind::store &&
      std::none_of(s.index.terms.begin(), s.index.terms.end(), [&](const AffineIndex::Term& t) { return t.var == var; }))
    return false;
  return std::all_of(s.body.begin(), s.body.end(), [&](const Stmt& c) { return stores_indexed_by(c, var); });
}

}  // namespace

bool independent_iterations(const Stmt& loop) {
  Uses u;
  collect_uses(loop, u);
  for (BufferId b : u.stored)
    if (u.loaded.count(b)) return false;
  return defined_before_read(loop.body, {}) && stores_indexed_by(loop, loop.var);
}

}  // namespace graphc::codegen::cuda::detail
