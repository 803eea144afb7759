// Reductions as loop nests: a parallel nest over the output, an accumulator
// per output element, and sequential inner loops over the reduced axes in
// ascending order. The order is fixed by the IR, not by the emitter or the
// thread count, so results are bit-identical run after run. f32 sums
// accumulate in f64.
#include <algorithm>
#include <limits>

#include "codegen/lowering_context.h"
#include "ir/error.h"

namespace graphc::codegen::lowering {

namespace {

// The nest over the output, and for each axis of the input either the
// output coordinate it keeps or a fresh reduction loop.
struct ReductionLoops {
  Nest outer;            // over the output shape
  Nest inner;            // over the reduced axes, in input-axis order
  Coords input_coords;   // coordinates into the operand
};

ReductionLoops reduction_loops(Context& ctx, const Node& n, const std::vector<int64_t>& axes, bool keepdims) {
  const Shape& in = ctx.graph().type(n.operands[0]).shape;
  ReductionLoops loops;
  loops.outer = ctx.new_nest(n.type.shape);
  size_t out_axis = 0;
  for (size_t i = 0; i < in.rank(); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end();
    if (!reduced) {
      loops.input_coords.push_back(loops.outer.coords[out_axis++]);
      continue;
    }
    if (keepdims) ++out_axis;  // the output keeps a size-1 axis here
    VarId var = ctx.kernel().new_var();
    loops.inner.vars.push_back(var);
    loops.inner.extents.push_back(dim_size(in[i]));
    loops.inner.coords.push_back(AffineIndex::of_var(var));
    loops.input_coords.push_back(AffineIndex::of_var(var));
  }
  GRAPHC_ASSERT(out_axis == n.type.shape.rank(), "reduction axes do not match the output rank");
  return loops;
}

// Wraps `body` in sequential loops (reductions never run in parallel inside).
std::vector<Stmt> wrap_sequential(const Nest& nest, std::vector<Stmt> body) {
  for (size_t i = nest.vars.size(); i-- > 0;) body = {make_loop(nest.vars[i], nest.extents[i], std::move(body))};
  return body;
}

// `candidate` beats `best` when larger, or NaN against a non-NaN (the
// interpreter's rule: maxima propagate NaN, argmax picks the first maximum).
ExprPtr beats(const ExprPtr& candidate, const ExprPtr& best) {
  auto is_nan = [](const ExprPtr& x) { return make_op(OpKind::ne, {x, x}, DType::boolean); };
  auto not_nan = [](const ExprPtr& x) { return make_op(OpKind::eq, {x, x}, DType::boolean); };
  ExprPtr yes = make_constant(1, DType::boolean), no = make_constant(0, DType::boolean);
  ExprPtr nan_wins = make_op(OpKind::select, {is_nan(candidate), not_nan(best), no}, DType::boolean);
  return make_op(OpKind::select, {make_op(OpKind::gt, {candidate, best}, DType::boolean), yes, nan_wins},
                 DType::boolean);
}

void append(Context& ctx, std::vector<Stmt> stmts) {
  for (Stmt& s : stmts) ctx.kernel().body.push_back(std::move(s));
}

}  // namespace

void lower_reduction(Context& ctx, ValueId v) {
  const Node& n = ctx.graph().node(v);
  const DType dtype = n.type.dtype;
  const bool is_sum = n.op == OpKind::reduce_sum;
  ReductionLoops loops = reduction_loops(ctx, n, n.ints("axes"), n.b("keepdims"));
  // f32 sums accumulate in f64: a sequential f32 sum of the 10^4..10^6
  // terms of a batch-norm statistic or a bias gradient loses three or more
  // digits, and the sum is latency-bound either way, so f64 costs nothing.
  const DType acc_type = is_sum && dtype == DType::f32 ? DType::f64 : dtype;
  const ScalarId acc = ctx.kernel().add_scalar(acc_type);

  Body inner;
  ExprPtr x = ctx.value_at(n.operands[0], loops.input_coords, inner);
  inner.stmts.push_back(make_accumulate(acc, is_sum ? Combine::sum : Combine::max, x));

  std::vector<Stmt> outer_body;
  const double init = is_sum ? 0.0 : -std::numeric_limits<double>::infinity();
  outer_body.push_back(make_let(acc, make_constant(init, acc_type)));
  for (Stmt& s : wrap_sequential(loops.inner, std::move(inner.stmts))) outer_body.push_back(std::move(s));
  outer_body.push_back(
      make_store(ctx.materialise_into(v), linearize(loops.outer.coords, n.type.shape),
                 make_cast(make_scalar(acc, acc_type), dtype)));
  append(ctx, ctx.wrap_nest(loops.outer, std::move(outer_body), /*innermost_vectorize=*/false));
}

void lower_argmax(Context& ctx, ValueId v) {
  const Node& n = ctx.graph().node(v);
  const ValueId x = n.operands[0];
  const DType xt = ctx.graph().type(x).dtype, out_t = n.type.dtype;
  const int64_t axis = n.i("axis");
  ReductionLoops loops = reduction_loops(ctx, n, {axis}, false);
  const auto axis_at = static_cast<size_t>(axis);
  const ScalarId best = ctx.kernel().add_scalar(xt), best_index = ctx.kernel().add_scalar(out_t);
  const ScalarId wins = ctx.kernel().add_scalar(DType::boolean);

  // Element 0 starts as the best; the loop visits elements 1.. in order.
  std::vector<Stmt> outer_body;
  Body first;
  Coords first_coords = loops.input_coords;
  first_coords[axis_at] = AffineIndex{};
  ExprPtr x0 = ctx.value_at(x, first_coords, first);
  for (Stmt& s : first.stmts) outer_body.push_back(std::move(s));
  outer_body.push_back(make_let(best, x0));
  outer_body.push_back(make_let(best_index, make_constant(0, out_t)));

  const VarId k = loops.inner.vars[0];
  Coords later = loops.input_coords;
  later[axis_at].offset = SizeExpr(1);
  Body inner;
  ExprPtr xk = ctx.value_at(x, later, inner);
  ExprPtr best_now = make_scalar(best, xt), wins_now = make_scalar(wins, DType::boolean);
  inner.stmts.push_back(make_let(wins, beats(xk, best_now)));
  inner.stmts.push_back(make_let(best, make_op(OpKind::select, {wins_now, xk, best_now}, xt)));
  ExprPtr k_plus_1 = make_op(OpKind::add, {make_loop_index(k, out_t), make_constant(1, out_t)}, out_t);
  inner.stmts.push_back(
      make_let(best_index, make_op(OpKind::select, {wins_now, k_plus_1, make_scalar(best_index, out_t)}, out_t)));

  Nest rest = loops.inner;
  rest.extents[0] = rest.extents[0] + SizeExpr(-1);
  for (Stmt& s : wrap_sequential(rest, std::move(inner.stmts))) outer_body.push_back(std::move(s));
  outer_body.push_back(make_store(ctx.materialise_into(v), linearize(loops.outer.coords, n.type.shape),
                                  make_scalar(best_index, out_t)));
  append(ctx, ctx.wrap_nest(loops.outer, std::move(outer_body), /*innermost_vectorize=*/false));
}

}  // namespace graphc::codegen::lowering
