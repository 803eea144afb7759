// See lower_guards.h: index values as expressions, boolean connectives, and
// the guarded read (a register, its fallback, and an if_then assigning it).
#include "codegen/lower_guards.h"

#include <algorithm>

namespace graphc::codegen::lowering {

namespace {
ExprPtr i64(int64_t v) { return make_constant(static_cast<double>(v), DType::i64); }
ExprPtr add(ExprPtr a, ExprPtr b) { return make_op(OpKind::add, {std::move(a), std::move(b)}, DType::i64); }
ExprPtr mul(ExprPtr a, ExprPtr b) { return make_op(OpKind::mul, {std::move(a), std::move(b)}, DType::i64); }
}  // namespace

ExprPtr size_value(const SizeExpr& s) {
  if (s.per_n == 0) return i64(s.constant);
  ExprPtr n = make_batch_size(DType::i64);
  ExprPtr scaled = s.per_n == 1 ? n : mul(n, i64(s.per_n));
  return s.constant == 0 ? scaled : add(scaled, i64(s.constant));
}

ExprPtr index_value(const AffineIndex& ix) {
  ExprPtr sum;
  for (const AffineIndex::Term& t : ix.terms) {
    ExprPtr var = make_loop_index(t.var, DType::i64);
    ExprPtr term = t.coeff == SizeExpr(1) ? var : mul(var, size_value(t.coeff));
    sum = sum ? add(sum, term) : term;
  }
  if (!sum) return size_value(ix.offset);
  return ix.offset.is_zero() ? sum : add(sum, size_value(ix.offset));
}

std::optional<int64_t> constant_index(const AffineIndex& ix) {
  if (!ix.terms.empty() || !ix.offset.is_constant()) return std::nullopt;
  return ix.offset.constant;
}

ExprPtr all_of(const std::vector<ExprPtr>& conditions) {
  if (conditions.empty()) return make_constant(1, DType::boolean);
  ExprPtr result = conditions.front();
  for (size_t i = 1; i < conditions.size(); ++i)
    result = make_op(OpKind::select, {result, conditions[i], make_constant(0, DType::boolean)}, DType::boolean);
  return result;
}

std::optional<std::pair<int64_t, int64_t>> VarRanges::range(const AffineIndex& ix) const {
  if (!ix.offset.is_constant()) return std::nullopt;
  int64_t low = ix.offset.constant, high = ix.offset.constant;
  for (const AffineIndex::Term& t : ix.terms) {
    auto known = ranges_.find(t.var);
    if (known == ranges_.end() || !t.coeff.is_constant()) return std::nullopt;
    const int64_t a = t.coeff.constant * known->second.first, b = t.coeff.constant * known->second.second;
    low += std::min(a, b);
    high += std::max(a, b);
  }
  return std::make_pair(low, high);
}

std::vector<ExprPtr> bounds(const AffineIndex& ix, std::optional<int64_t> lo, std::optional<int64_t> hi,
                            const VarRanges* known) {
  std::optional<std::pair<int64_t, int64_t>> range;
  if (known != nullptr) range = known->range(ix);
  const bool test_lo = lo.has_value() && !(range && range->first >= lo.value());
  const bool test_hi = hi.has_value() && !(range && range->second < hi.value());
  std::vector<ExprPtr> conditions;
  if (!test_lo && !test_hi) return conditions;
  ExprPtr value = index_value(ix);
  if (test_lo) conditions.push_back(make_op(OpKind::ge, {value, i64(lo.value())}, DType::boolean));
  if (test_hi) conditions.push_back(make_op(OpKind::lt, {value, i64(hi.value())}, DType::boolean));
  return conditions;
}

void assign_if(Body& body, ScalarId target, const ExprPtr& condition,
               const std::function<ExprPtr(Body&)>& read) {
  Body inner;
  inner.computed = body.computed;  // values computed before the branch may be reused inside it
  ExprPtr value = read(inner);
  inner.stmts.push_back(make_let(target, std::move(value)));
  body.stmts.push_back(make_if(condition, std::move(inner.stmts)));
}

ExprPtr guarded_value(Context& ctx, Body& body, const ExprPtr& condition, const ExprPtr& fallback,
                      const std::function<ExprPtr(Body&)>& read) {
  const ScalarId s = ctx.kernel().add_scalar(fallback->dtype);
  body.stmts.push_back(make_let(s, fallback));
  assign_if(body, s, condition, read);
  return make_scalar(s, fallback->dtype);
}

void append_stmts(std::vector<Stmt>& to, std::vector<Stmt> from) {
  for (Stmt& s : from) to.push_back(std::move(s));
}

}  // namespace graphc::codegen::lowering
