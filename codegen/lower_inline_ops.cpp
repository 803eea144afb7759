// The ops besides elementwise math and affine movement that Context::compute
// writes as expressions at the reader's coordinates: pad and concat (guarded
// reads of their operands: lower_guards.h), one_hot (a comparison with the
// class coordinate) and dropout_mask (a Philox draw at the element's flat
// index). None of them needs a buffer of its own, so they fuse into whatever
// reads them, as fusion assumes (one_hot and dropout_mask are elementwise to
// fusion; pad and concat read each operand element at most once).
#include <cmath>

#include "codegen/lower_guards.h"
#include "ir/error.h"

namespace graphc::codegen::lowering {

namespace {

Coords shifted(const Coords& coords, size_t axis, int64_t by) {
  Coords out = coords;
  out[axis].offset = out[axis].offset + SizeExpr(by);
  return out;
}

}  // namespace

// out[c] = x[c - low] inside the copy of x, `value` in the padding.
ExprPtr inline_pad(Context& ctx, ValueId v, const Coords& coords, Body& body) {
  const Node& n = ctx.graph().node(v);
  const ValueId x = n.operands[0];
  const Shape& in = ctx.graph().type(x).shape;
  const auto &low = n.ints("low"), &high = n.ints("high");
  ExprPtr fallback = make_constant(n.f("value"), n.type.dtype);
  Coords at = coords;
  std::vector<ExprPtr> conditions;
  for (size_t i = 0; i < coords.size(); ++i) {
    at[i].offset = at[i].offset + SizeExpr(-low[i]);
    if (low[i] == 0 && high[i] == 0) continue;  // also the N axis, which is never padded
    if (std::optional<int64_t> c = constant_index(coords[i])) {
      if (*c < low[i] || *c >= low[i] + in[i]) return fallback;
      continue;
    }
    // Readers index inside the output, so only padded sides can fail.
    std::optional<int64_t> lo, hi;
    if (low[i] > 0) lo = low[i];
    if (high[i] > 0) hi = low[i] + in[i];
    for (ExprPtr& c : bounds(coords[i], lo, hi)) conditions.push_back(std::move(c));
  }
  if (conditions.empty()) return ctx.value_at(x, at, body);
  return guarded_value(ctx, body, all_of(conditions), fallback, [&](Body& b) { return ctx.value_at(x, at, b); });
}

// Operand j holds axis positions [offset_j, offset_j + length_j).
ExprPtr inline_concat(Context& ctx, ValueId v, const Coords& coords, Body& body) {
  const Node& n = ctx.graph().node(v);
  const auto axis = static_cast<size_t>(n.i("axis"));
  const AffineIndex& position = coords[axis];
  std::vector<int64_t> offsets{0};
  for (ValueId o : n.operands) offsets.push_back(offsets.back() + ctx.graph().type(o).shape[axis]);
  if (std::optional<int64_t> c = constant_index(position)) {
    for (size_t j = 0; j < n.operands.size(); ++j)
      if (*c >= offsets[j] && *c < offsets[j + 1])
        return ctx.value_at(n.operands[j], shifted(coords, axis, -offsets[j]), body);
    GRAPHC_ASSERT(false, "concat read at ", *c, " outside its axis of ", offsets.back());
  }
  // One register, assigned by the one operand whose range holds the position.
  const ScalarId result = ctx.kernel().add_scalar(n.type.dtype);
  body.stmts.push_back(make_let(result, make_constant(0, n.type.dtype)));
  for (size_t j = 0; j < n.operands.size(); ++j) {
    std::optional<int64_t> lo, hi;
    if (j > 0) lo = offsets[j];
    if (j + 1 < n.operands.size()) hi = offsets[j + 1];
    const Coords at = shifted(coords, axis, -offsets[j]);
    assign_if(body, result, all_of(bounds(position, lo, hi)),
              [&](Body& b) { return ctx.value_at(n.operands[j], at, b); });
  }
  return make_scalar(result, n.type.dtype);
}

// out[..., c] = (labels[...] == c): an out-of-range label matches no class,
// which is the interpreter's zero row.
ExprPtr inline_one_hot(Context& ctx, ValueId v, const Coords& coords, Body& body) {
  const Node& n = ctx.graph().node(v);
  const Coords label_coords(coords.begin(), coords.end() - 1);
  ExprPtr label = make_cast(ctx.value_at(n.operands[0], label_coords, body), DType::i64);
  ExprPtr hit = make_op(OpKind::eq, {label, index_value(coords.back())}, DType::boolean);
  return make_cast(hit, n.type.dtype);
}

// Element e (row-major over `shape`) is 1/(1-p) when the Philox draw
// m / 2^24 >= p, else 0 (runtime/interpreter/nn_ops.cpp). p * 2^24 is exact
// in double, so the test is the integer comparison m >= ceil(p * 2^24).
ExprPtr inline_dropout_mask(Context& ctx, ValueId v, const Coords& coords, Body& body) {
  const Node& n = ctx.graph().node(v);
  const int64_t stream = n.i("stream");
  // Expression constants are doubles: a stream id must survive the trip.
  GRAPHC_ASSERT(stream >= -(int64_t{1} << 53) && stream <= (int64_t{1} << 53), "dropout stream ", stream,
                " is beyond 2^53");
  const double p = n.f("p");
  const double threshold = std::ceil(p * 16777216.0);
  ExprPtr seed = make_cast(ctx.value_at(n.operands[0], {}, body), DType::i64);
  ExprPtr counter = index_value(linearize(coords, n.type.shape));
  ExprPtr m = make_philox(seed, make_constant(static_cast<double>(stream), DType::i64), counter);
  ExprPtr keep = make_op(OpKind::ge, {m, make_constant(threshold, DType::i64)}, DType::boolean);
  return make_op(OpKind::select,
                 {keep, make_constant(1.0 / (1.0 - p), n.type.dtype), make_constant(0, n.type.dtype)},
                 n.type.dtype);
}

}  // namespace graphc::codegen::lowering
