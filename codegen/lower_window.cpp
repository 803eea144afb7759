// max_pool2d and avg_pool2d as one pass over the output: a parallel loop over
// the samples, then channels and output rows, and the output's last axis as
// the loop whose body reduces one window (two small loops over the kernel
// taps, which LLVM unrolls, leaving the output-column loop innermost for the
// vectoriser). Rows and columns are split into border and interior segments
// (lower_window.h), so only the borders test for padding. The window is
// reduced in a register, in row-major tap order, so the result does not
// depend on threads; the group's epilogue is computed from that register
// (lower_epilogue.h).
//
// Legend: x[N,C,H,W] pooled to y[N,C,OH,OW]; (kh, kw) the taps of a window.
#include "codegen/lower_window.h"

#include <algorithm>
#include <limits>

#include "codegen/lower_epilogue.h"
#include "ir/error.h"

namespace graphc::codegen::lowering {

AffineIndex WindowAxis::tap(const AffineIndex& o, const AffineIndex& k) const {
  AffineIndex position = o.scaled(SizeExpr(stride)) + k.scaled(SizeExpr(dilation));
  position.offset = position.offset + SizeExpr(-pad);
  return position;
}

std::pair<int64_t, int64_t> WindowAxis::interior() const {
  // o*stride - pad >= 0 and o*stride - pad + (kernel-1)*dilation <= in - 1.
  const int64_t first = std::min((pad + stride - 1) / stride, out);
  const int64_t room = in - 1 + pad - (kernel - 1) * dilation;
  const int64_t last = room < 0 ? 0 : std::min(room / stride + 1, out);
  return {first, last};
}

WindowGeometry::WindowGeometry(const Node& pool, const Shape& x, const Shape& y) {
  const auto &k = pool.ints("kernel"), &s = pool.ints("stride"), &p = pool.ints("padding");
  std::vector<int64_t> d{1, 1};  // avg pools have no dilation attribute
  if (pool.has("dilation")) d = pool.ints("dilation");
  h = {x[2], y[2], k[0], s[0], p[0], d[0]};
  w = {x[3], y[3], k[1], s[1], p[1], d[1]};
}

std::vector<Segment> split(int64_t extent, int64_t first, int64_t last) {
  first = std::clamp<int64_t>(first, 0, extent);
  last = std::clamp<int64_t>(last, 0, extent);
  if (first >= last) return {{0, extent}};
  std::vector<Segment> segments;
  for (Segment s : {Segment{0, first}, Segment{first, last - first}, Segment{last, extent - last}})
    if (s.length > 0) segments.push_back(s);
  return segments;
}

SegmentLoop segment_loop(Context& ctx, VarRanges& ranges, const Segment& s) {
  SegmentLoop loop;
  loop.var = ctx.kernel().new_var();
  loop.coord = AffineIndex::of_var(loop.var);
  loop.coord.offset = SizeExpr(s.begin);
  ranges.set(loop.var, 0, s.length - 1);
  return loop;
}

Stmt plane_nest(Context& ctx, VarRanges& ranges, const Shape& planes, const std::vector<Segment>& rows,
                const std::vector<Segment>& cols, const PlaneBody& body) {
  const VarId sample = ctx.kernel().new_var(), channel = ctx.kernel().new_var();
  const AffineIndex sample_at = AffineIndex::of_var(sample), channel_at = AffineIndex::of_var(channel);
  std::vector<Stmt> row_loops;
  for (const Segment& row_segment : rows) {
    const SegmentLoop row = segment_loop(ctx, ranges, row_segment);
    std::vector<Stmt> col_loops;
    for (const Segment& col_segment : cols) {
      const SegmentLoop col = segment_loop(ctx, ranges, col_segment);
      std::vector<Stmt> inner = body(sample_at, channel_at, row.coord, col.coord);
      col_loops.push_back(make_loop(col.var, col_segment.length, std::move(inner), false, /*vectorize=*/true));
    }
    row_loops.push_back(make_loop(row.var, row_segment.length, std::move(col_loops)));
  }
  std::vector<Stmt> channels = {make_loop(channel, dim_size(planes[1]), std::move(row_loops))};
  return make_loop(sample, dim_size(planes[0]), std::move(channels), /*parallel=*/true);
}

std::vector<Stmt> for_each_tap(Context& ctx, const WindowGeometry& geo, const AffineIndex& oh, const AffineIndex& ow,
                               VarRanges& ranges, const TapBody& tap) {
  const VarId kh = ctx.kernel().new_var(), kw = ctx.kernel().new_var();
  ranges.set(kh, 0, geo.h.kernel - 1);
  ranges.set(kw, 0, geo.w.kernel - 1);
  const AffineIndex ih = geo.h.tap(oh, AffineIndex::of_var(kh)), iw = geo.w.tap(ow, AffineIndex::of_var(kw));
  Body inner;
  tap(inner, ih, iw, kh, kw);
  std::vector<Stmt> kw_body = std::move(inner.stmts);
  const std::vector<ExprPtr> w_ok = bounds(iw, 0, geo.w.in, &ranges);
  if (!w_ok.empty()) kw_body = {make_if(all_of(w_ok), std::move(kw_body))};
  std::vector<Stmt> kh_body = {make_loop(kw, geo.w.kernel, std::move(kw_body))};
  // The row test does not depend on kw: one branch per row of taps.
  const std::vector<ExprPtr> h_ok = bounds(ih, 0, geo.h.in, &ranges);
  if (!h_ok.empty()) kh_body = {make_if(all_of(h_ok), std::move(kh_body))};
  return {make_loop(kh, geo.h.kernel, std::move(kh_body))};
}

namespace {

// The body computing y at (n, c, oh, ow): reduce the taps, then the epilogue.
std::vector<Stmt> pool_body(Context& ctx, const Node& n, const WindowGeometry& geo, const Epilogue& epilogue,
                            const Coords& out, VarRanges& ranges) {
  const ValueId x = n.operands[0];
  const DType t = n.type.dtype;
  const bool is_max = n.op == OpKind::max_pool2d;
  Body body;
  const ScalarId acc = ctx.kernel().add_scalar(t);
  body.stmts.push_back(make_let(acc, make_constant(is_max ? -std::numeric_limits<double>::infinity() : 0.0, t)));
  // avg without count_include_pad divides by the taps inside the input.
  const bool count_taps = !is_max && !n.b("count_include_pad");
  const ScalarId count = count_taps ? ctx.kernel().add_scalar(DType::i64) : -1;
  if (count_taps) body.stmts.push_back(make_let(count, make_constant(0, DType::i64)));
  auto reduce_tap = [&](Body& b, const AffineIndex& ih, const AffineIndex& iw, VarId, VarId) {
    ExprPtr value = ctx.value_at(x, {out[0], out[1], ih, iw}, b);
    b.stmts.push_back(make_accumulate(acc, is_max ? Combine::max : Combine::sum, value));
    if (count_taps) b.stmts.push_back(make_accumulate(count, Combine::sum, make_constant(1, DType::i64)));
  };
  append_stmts(body.stmts, for_each_tap(ctx, geo, out[2], out[3], ranges, reduce_tap));

  ExprPtr result = make_scalar(acc, t);
  if (!is_max) {
    ExprPtr divisor = count_taps ? make_cast(make_scalar(count, DType::i64), t)
                                 : make_constant(static_cast<double>(geo.taps()), t);
    result = make_op(OpKind::div, {result, divisor}, t);
  }
  emit_epilogue(ctx, epilogue, out, result, body);
  return std::move(body.stmts);
}

}  // namespace

// Shapes: x[N,C,H,W] -> y[N,C,OH,OW].
void lower_pool(Context& ctx, ValueId v) {
  const Node& n = ctx.graph().node(v);
  const WindowGeometry geo(n, ctx.graph().type(n.operands[0]).shape, n.type.shape);
  const Epilogue epilogue = plan_epilogue(ctx, v);
  VarRanges ranges;
  const auto [row_first, row_last] = geo.h.interior();
  const auto [col_first, col_last] = geo.w.interior();
  ctx.kernel().body.push_back(plane_nest(
      ctx, ranges, n.type.shape, split(geo.h.out, row_first, row_last), split(geo.w.out, col_first, col_last),
      [&](const AffineIndex& sample, const AffineIndex& channel, const AffineIndex& oh, const AffineIndex& ow) {
        return pool_body(ctx, n, geo, epilogue, {sample, channel, oh, ow}, ranges);
      }));
  finish_epilogue(ctx, epilogue);
}

bool is_window_op(OpKind op) {
  return op == OpKind::max_pool2d || op == OpKind::avg_pool2d || op == OpKind::max_pool2d_grad ||
         op == OpKind::avg_pool2d_grad;
}

void lower_window(Context& ctx, ValueId v) {
  const OpKind op = ctx.graph().node(v).op;
  GRAPHC_ASSERT(is_window_op(op), op_name(op), " is not a window op");
  if (op == OpKind::max_pool2d || op == OpKind::avg_pool2d)
    lower_pool(ctx, v);
  else
    lower_pool_grad(ctx, v);
}

}  // namespace graphc::codegen::lowering
