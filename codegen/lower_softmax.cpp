// softmax, log_softmax and softmax_cross_entropy as row nests: a parallel
// nest over the rows (every axis but the normalised one), and per row three
// sequential passes along it: the maximum, the sum of exp(x - max), then the
// outputs. Every softmax-family node of the group over the same rows of the
// same logits shares one nest and its two reductions (fusion puts the loss
// and the softmax of its gradient in one group). Sums run in index order
// inside one row, so results do not depend on threads.
//
// softmax_cross_entropy picks the label's logit during the max pass (no
// data-dependent load): loss = max + log(sum) - logit[label]. The
// interpreter rejects a label outside [0, C) with an error; a kernel cannot
// throw, so such a row's loss is NaN (the picked logit starts as NaN and no
// class matches), which the trainer's NaN-loss check reports, and nothing
// is read out of range.
//
// Legend: x[..., L, ...] with L the normalised axis; logits[N,C], labels[N].
#include <cmath>
#include <limits>

#include "codegen/lower_epilogue.h"
#include "codegen/lower_guards.h"
#include "ir/error.h"

namespace graphc::codegen::lowering {

bool is_softmax_op(OpKind op) {
  return op == OpKind::softmax || op == OpKind::log_softmax || op == OpKind::softmax_cross_entropy;
}

namespace {

int64_t normalised_axis(const Node& n) { return n.op == OpKind::softmax_cross_entropy ? 1 : n.i("axis"); }

}  // namespace

void lower_softmax_rows(Context& ctx, ValueId v) {
  const Graph& g = ctx.graph();
  const ValueId x = g.node(v).operands[0];
  const auto axis = static_cast<size_t>(normalised_axis(g.node(v)));
  const Shape& shape = g.type(x).shape;
  const DType t = g.type(x).dtype;
  std::vector<ValueId> members;
  for (ValueId u : ctx.group().nodes) {
    const Node& n = g.node(u);
    if (is_softmax_op(n.op) && n.operands[0] == x && static_cast<size_t>(normalised_axis(n)) == axis &&
        !ctx.is_materialised(u))
      members.push_back(u);
  }
  std::vector<Epilogue> epilogues;
  for (ValueId u : members) epilogues.push_back(plan_epilogue(ctx, u));

  std::vector<int64_t> row_dims = shape.dims();
  row_dims.erase(row_dims.begin() + static_cast<ptrdiff_t>(axis));
  Nest rows = ctx.new_nest(Shape(row_dims));
  const SizeExpr length = dim_size(shape[axis]);
  auto along = [&](VarId k) {
    Coords c = rows.coords;
    c.insert(c.begin() + static_cast<ptrdiff_t>(axis), AffineIndex::of_var(k));
    return c;
  };
  Body body;
  const ScalarId max = ctx.kernel().add_scalar(t), sum = ctx.kernel().add_scalar(t);
  ExprPtr max_now = make_scalar(max, t), sum_now = make_scalar(sum, t);

  // Pass 1: the maximum, and each cross-entropy's logit at its label.
  body.stmts.push_back(make_let(max, make_constant(-std::numeric_limits<double>::infinity(), t)));
  std::vector<ScalarId> picked(members.size(), -1);
  std::vector<ExprPtr> labels(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const Node& n = g.node(members[i]);
    if (n.op != OpKind::softmax_cross_entropy) continue;
    labels[i] = make_cast(ctx.value_at(n.operands[1], rows.coords, body), DType::i64);
    picked[i] = ctx.kernel().add_scalar(t);
    body.stmts.push_back(make_let(picked[i], make_constant(std::numeric_limits<double>::quiet_NaN(), t)));
  }
  const VarId k1 = ctx.kernel().new_var();
  Body pass1;
  ExprPtr x1 = ctx.value_at(x, along(k1), pass1);
  pass1.stmts.push_back(make_accumulate(max, Combine::max, x1));
  for (size_t i = 0; i < members.size(); ++i) {
    if (picked[i] < 0) continue;
    ExprPtr is_label = make_op(OpKind::eq, {make_loop_index(k1, DType::i64), labels[i]}, DType::boolean);
    assign_if(pass1, picked[i], is_label, [&](Body&) { return x1; });
  }
  body.stmts.push_back(make_loop(k1, length, std::move(pass1.stmts)));

  // Pass 2: the sum of exp(x - max).
  body.stmts.push_back(make_let(sum, make_constant(0, t)));
  const VarId k2 = ctx.kernel().new_var();
  Body pass2;
  ExprPtr x2 = ctx.value_at(x, along(k2), pass2);
  pass2.stmts.push_back(
      make_accumulate(sum, Combine::sum, make_op(OpKind::exp, {make_op(OpKind::sub, {x2, max_now}, t)}, t)));
  body.stmts.push_back(make_loop(k2, length, std::move(pass2.stmts)));

  // The per-row results, then pass 3 for the per-element ones.
  const ScalarId log_sum = ctx.kernel().add_scalar(t);
  body.stmts.push_back(make_let(log_sum, make_op(OpKind::log, {sum_now}, t)));
  ExprPtr log_sum_now = make_scalar(log_sum, t);
  bool elementwise_outputs = false;
  for (size_t i = 0; i < members.size(); ++i) {
    if (picked[i] < 0) {
      elementwise_outputs = true;
      continue;
    }
    ExprPtr logsumexp = make_op(OpKind::add, {max_now, log_sum_now}, t);
    ExprPtr loss = make_op(OpKind::sub, {logsumexp, make_scalar(picked[i], t)}, t);
    emit_epilogue(ctx, epilogues[i], rows.coords, loss, body);
  }
  if (elementwise_outputs) {
    const VarId k3 = ctx.kernel().new_var();
    Body pass3;
    ExprPtr x3 = ctx.value_at(x, along(k3), pass3);
    ExprPtr shifted = make_op(OpKind::sub, {x3, max_now}, t);
    for (size_t i = 0; i < members.size(); ++i) {
      if (picked[i] >= 0) continue;
      ExprPtr value = g.node(members[i]).op == OpKind::softmax
                          ? make_op(OpKind::div, {make_op(OpKind::exp, {shifted}, t), sum_now}, t)
                          : make_op(OpKind::sub, {shifted, log_sum_now}, t);
      emit_epilogue(ctx, epilogues[i], along(k3), value, pass3);
    }
    const bool unit_stride = axis + 1 == shape.rank();
    body.stmts.push_back(make_loop(k3, length, std::move(pass3.stmts), false, unit_stride));
  }
  append_stmts(ctx.kernel().body, ctx.wrap_nest(rows, std::move(body.stmts), /*innermost_vectorize=*/false));
  for (size_t i = 0; i < members.size(); ++i) {
    finish_epilogue(ctx, epilogues[i]);
    ctx.mark_materialised(members[i]);
  }
}

}  // namespace graphc::codegen::lowering
