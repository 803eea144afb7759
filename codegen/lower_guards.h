// Guarded reads and index arithmetic for the lowerings that read outside an
// affine box: padding (pad, pool windows over the edge), concat (which
// operand holds an element), window gradients (which windows hold an input
// element). A guarded read is an `if_then` statement assigning a register
// that holds the fallback otherwise, so the read, and everything it computes
// on the way (inlined producers' Lets included), happens only where it is in
// range: no load ever touches memory outside its buffer.
//
// Conditions are boolean expressions over loop indices. Comparisons that
// hold for every index the caller can produce are left out (proven from the
// loop variables' ranges), so the interior of a padded window loop, split
// from its borders, carries no guard at all.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "codegen/lowering_context.h"

namespace graphc::codegen::lowering {

// A size or an index as an i64 expression (n, loop indices, constants).
ExprPtr size_value(const SizeExpr& s);
ExprPtr index_value(const AffineIndex& ix);
// The index's value when it uses no loop variable and not n.
std::optional<int64_t> constant_index(const AffineIndex& ix);

// Conjunction written with select (the op table has no `and`).
ExprPtr all_of(const std::vector<ExprPtr>& conditions);  // true when empty

// What the caller knows of its loop variables: each one's inclusive range.
// An index over known variables with constant coefficients has a known
// range too, which proves bounds without a branch.
class VarRanges {
 public:
  void set(VarId v, int64_t first, int64_t last) { ranges_[v] = {first, last}; }
  // [min, max] of ix, or nothing if a variable is unknown or n takes part.
  std::optional<std::pair<int64_t, int64_t>> range(const AffineIndex& ix) const;

 private:
  std::map<VarId, std::pair<int64_t, int64_t>> ranges_;
};

// ix >= lo and ix < hi, as a list of conditions: each side only when asked
// and not already proven by `known`.
std::vector<ExprPtr> bounds(const AffineIndex& ix, std::optional<int64_t> lo, std::optional<int64_t> hi,
                            const VarRanges* known = nullptr);

// Emits `if (condition) { <what read emits>; target = read(...) }` into body:
// read computes into a body of its own (seeing what body computed before),
// and what it computes stays inside the branch.
void assign_if(Body& body, ScalarId target, const ExprPtr& condition,
               const std::function<ExprPtr(Body&)>& read);
// The register holding `fallback`, or read(...) where condition holds.
ExprPtr guarded_value(Context& ctx, Body& body, const ExprPtr& condition, const ExprPtr& fallback,
                      const std::function<ExprPtr(Body&)>& read);

// Appends the statements of `from` to `to`.
void append_stmts(std::vector<Stmt>& to, std::vector<Stmt> from);

}  // namespace graphc::codegen::lowering
