// conv2d and its two adjoints as implicit GEMMs: one Gemm statement whose B
// operand is a window over an image (GemmWindow), so no im2col matrix is
// ever materialised and each emitter gathers the columns while it packs.
// Like matmul, a conv is materialised into its buffer and the rest of its
// fused group (bias, relu, ...) is an ordinary nest reading that buffer.
//
// Legend: x[N,C,H,W], w[O,C/g,KH,KW], y[N,O,OH,OW], groups g splitting C and
// O into Cg = C/g and Og = O/g; P = OH*OW output positions; KK = KH*KW taps.
//   conv2d              y[n,g][Og, P]     = w[g][Og, Cg*KK] @ V(x[n,g])[Cg*KK, P]
//   conv2d_grad_input   dx[n,g][Cg, H*W]  = wt[g][Og*KK, Cg]^T @ V'(dy[n,g])[Og*KK, H*W]
//   conv2d_grad_weight  dw[g][Og, Cg*KK]  = sum_n dy[n,g][Og, P] @ V(x[n,g])^T[P, Cg*KK]
// V is the input's im2col (grid = output positions). V' reads dy as a
// transposed convolution: tap (ky, kx) of input position (iy, ix) is output
// (iy + ph - ky*dh) / sh when that divides exactly and lands inside, so the
// gradient is a gather (no scatter-add: each dx element is one Gemm output,
// summed in a fixed order). wt is w with its taps before its input channel,
// [O, KH, KW, Cg], transposed into scratch by a small nest first.
//
// Cost note: with stride s > 1, V' has (s_h*s_w - 1)/(s_h*s_w) zero taps, so
// grad_input does s_h*s_w times the useful multiply-adds; the seed models'
// convolutions all have stride 1.
//
// A grad_input with few input channels per group (lenet's conv2: Cg = 6)
// is a poor GEMM that way: M = Cg, so every element of V' (KK times dy,
// gathered through the window, with the border's zero taps) serves only Cg
// multiply-adds. It goes by col2im instead (stride 1 only):
//   cols[n,g][Cg*KK, P] = w[g][Og, Cg*KK]^T @ dy[n,g][Og, P]   (a plain GEMM, into scratch)
//   dx[n,c,iy,ix]       = sum over taps (ky,kx), row-major, of cols[n, (c,ky,kx), (iy+ph-ky*dh, ix+pw-kx*dw)]
// where the second position lies in the output: a gather, each dx element
// summed by one iteration in a fixed order (no scatter-add), vectorised
// along ix. The GEMM does only the useful multiply-adds and reads dy as it
// is; cols costs KK*Cg*P floats a sample, which is why a wide layer keeps
// the window (cifar_cnn's 32->64 conv would need 150 MB at batch 128).
#include <algorithm>

#include "codegen/lower_window.h"
#include "codegen/lowering_context.h"
#include "ir/error.h"

namespace graphc::codegen::lowering {

namespace {

struct ConvShape {
  SizeExpr batch;
  int64_t C, H, W, O, KH, KW, OH, OW, groups, Cg, Og;
  int64_t sh, sw, ph, pw, dh, dw;

  ConvShape(const Node& n, const Shape& x, const Shape& w, const Shape& y)
      : batch(dim_size(x[0])), C(x[1]), H(x[2]), W(x[3]), O(w[0]), KH(w[2]), KW(w[3]), OH(y[2]), OW(y[3]),
        groups(n.i("groups")) {
    const auto &s = n.ints("stride"), &p = n.ints("padding"), &d = n.ints("dilation");
    sh = s[0], sw = s[1], ph = p[0], pw = p[1], dh = d[0], dw = d[1];
    Cg = C / groups, Og = O / groups;
  }
  int64_t taps() const { return KH * KW; }
  int64_t in_plane() const { return H * W; }
  int64_t out_plane() const { return OH * OW; }

  // V: x's im2col, rows (c, ky, kx), columns the output positions.
  GemmWindow input_window() const {
    GemmWindow v;
    v.channels = Cg, v.kernel_h = KH, v.kernel_w = KW;
    v.grid_h = OH, v.grid_w = OW;
    v.image_h = H, v.image_w = W;
    v.y = {sh, dh, -ph, 1};
    v.x = {sw, dw, -pw, 1};
    return v;
  }
  // V': dy seen by the input positions, rows (o, ky, kx).
  GemmWindow transposed_window() const {
    GemmWindow v;
    v.channels = Og, v.kernel_h = KH, v.kernel_w = KW;
    v.grid_h = H, v.grid_w = W;
    v.image_h = OH, v.image_w = OW;
    v.y = {1, -dh, ph, sh};
    v.x = {1, -dw, pw, sw};
    return v;
  }
};

BufferId operand_buffer(Context& ctx, ValueId v) {
  const BufferId b = ctx.buffer_of(v);
  GRAPHC_ASSERT(b >= 0, "convolution operand %", v, " must be in a buffer");
  return b;
}

// wt[O, KH, KW, Cg] = w[O, Cg, KH, KW], into new scratch.
BufferId transposed_weight(Context& ctx, ValueId w) {
  const Graph& g = ctx.graph();
  const Shape& shape = g.type(w).shape;  // [O, Cg, KH, KW]
  const int64_t cg = shape[1], kh = shape[2], kw = shape[3];
  const BufferId wt = ctx.kernel().add_buffer(
      {cat("scratch%", w, "_taps_first"), g.type(w).dtype, element_count(shape), BufferRole::scratch, -1});
  Nest nest = ctx.new_nest(shape);
  AffineIndex to = nest.coords[0].scaled(SizeExpr(kh * kw * cg));
  to = to + nest.coords[2].scaled(SizeExpr(kw * cg));
  to = to + nest.coords[3].scaled(SizeExpr(cg));
  to = to + nest.coords[1];
  Body body;
  ExprPtr value = ctx.value_at(w, nest.coords, body);
  body.stmts.push_back(make_store(wt, to, value));
  for (Stmt& s : ctx.wrap_nest(nest, std::move(body.stmts), /*innermost_vectorize=*/false))
    ctx.kernel().body.push_back(std::move(s));
  return wt;
}

}  // namespace

void lower_conv2d(Context& ctx, ValueId v) {
  const Graph& g = ctx.graph();
  const Node& n = g.node(v);
  const ConvShape s(n, g.type(n.operands[0]).shape, g.type(n.operands[1]).shape, n.type.shape);
  Gemm gemm;
  gemm.a = operand_buffer(ctx, n.operands[1]);  // w[g][Og, Cg*KK]
  gemm.b = operand_buffer(ctx, n.operands[0]);  // x, through the window
  gemm.c = ctx.materialise_into(v);
  gemm.m = s.Og, gemm.k = s.Cg * s.taps(), gemm.n_cols = s.out_plane();
  gemm.lda = gemm.k, gemm.ldc = s.out_plane();
  gemm.batch = s.batch;
  gemm.a_batch_stride = 0, gemm.b_batch_stride = s.C * s.in_plane(), gemm.c_batch_stride = s.O * s.out_plane();
  gemm.groups = s.groups;
  gemm.a_group_stride = s.Og * s.Cg * s.taps(), gemm.b_group_stride = s.Cg * s.in_plane();
  gemm.c_group_stride = s.Og * s.out_plane();
  gemm.has_b_window = true;
  gemm.b_window = s.input_window();
  ctx.kernel().body.push_back(make_gemm(gemm));
}

// Whether a grad_input goes by col2im (above): stride 1, and fewer input
// channels per group than one AVX-512 register of f32, where the window
// GEMM's operand reuse is lowest. Measured on lenet at batch 4, 1 thread:
// conv2's grad_input went from 12% of the run's samples to about 1%, the
// trainer 1.13-1.33x faster in alternating runs (docs/benchmarks.md).
bool grad_input_by_col2im(const ConvShape& s) { return s.sh == 1 && s.sw == 1 && s.Cg < 16; }

// cols (scratch) by a plain GEMM, then the gather into dx's buffer.
void lower_conv2d_grad_input_col2im(Context& ctx, ValueId v, const ConvShape& s) {
  const Graph& g = ctx.graph();
  const Node& n = g.node(v);
  const DType t = n.type.dtype;
  const int64_t rows = s.Cg * s.taps(), P = s.out_plane();
  const BufferId cols = ctx.kernel().add_buffer(
      {cat("scratch%", v, "_cols"), t, s.batch * SizeExpr(s.C * s.taps() * P), BufferRole::scratch, -1});
  Gemm gemm;
  gemm.a = operand_buffer(ctx, n.operands[1]);  // w[g][Og, Cg*KK] = op(A)^T
  gemm.transpose_a = true;
  gemm.b = operand_buffer(ctx, n.operands[0]);  // dy[n,g][Og, P]
  gemm.c = cols;
  gemm.m = rows, gemm.k = s.Og, gemm.n_cols = P;
  gemm.lda = rows, gemm.ldb = P, gemm.ldc = P;
  gemm.batch = s.batch;
  gemm.a_batch_stride = 0, gemm.b_batch_stride = s.O * P, gemm.c_batch_stride = s.C * s.taps() * P;
  gemm.groups = s.groups;
  gemm.a_group_stride = s.Og * rows, gemm.b_group_stride = s.Og * P, gemm.c_group_stride = rows * P;
  ctx.kernel().body.push_back(make_gemm(gemm));

  // Tap (ky, kx) of dx position (iy, ix) reads output position (iy + ph -
  // ky*dh, ix + pw - kx*dw): a pool-like window of stride 1, padding -p and
  // dilation -d over the output plane. Its interior, where every tap lands
  // inside, is iy in [(KH-1)*dh - ph, OH - ph).
  const WindowGeometry taps({s.OH, s.H, s.KH, 1, -s.ph, -s.dh}, {s.OW, s.W, s.KW, 1, -s.pw, -s.dw});
  VarRanges ranges;
  const BufferId dx = ctx.materialise_into(v);
  ctx.kernel().body.push_back(plane_nest(
      ctx, ranges, n.type.shape, split(s.H, (s.KH - 1) * s.dh - s.ph, s.OH - s.ph),
      split(s.W, (s.KW - 1) * s.dw - s.pw, s.OW - s.pw),
      [&](const AffineIndex& sample, const AffineIndex& channel, const AffineIndex& iy, const AffineIndex& ix) {
        Body body;
        const ScalarId acc = ctx.kernel().add_scalar(t);
        body.stmts.push_back(make_let(acc, make_constant(0, t)));
        auto add_tap = [&](Body& b, const AffineIndex& oy, const AffineIndex& ox, VarId ky, VarId kx) {
          AffineIndex at = sample.scaled(SizeExpr(s.C * s.taps() * P)) + channel.scaled(SizeExpr(s.taps() * P));
          at = at + AffineIndex::of_var(ky).scaled(SizeExpr(s.KW * P)) + AffineIndex::of_var(kx).scaled(SizeExpr(P));
          at = at + oy.scaled(SizeExpr(s.OW)) + ox;
          b.stmts.push_back(make_accumulate(acc, Combine::sum, make_load(cols, at, t)));
        };
        append_stmts(body.stmts, for_each_tap(ctx, taps, iy, ix, ranges, add_tap));
        body.stmts.push_back(make_store(dx, linearize({sample, channel, iy, ix}, n.type.shape), make_scalar(acc, t)));
        return std::move(body.stmts);
      }));
}

void lower_conv2d_grad_input(Context& ctx, ValueId v) {
  const Graph& g = ctx.graph();
  const Node& n = g.node(v);
  const ConvShape s(n, n.type.shape, g.type(n.operands[1]).shape, g.type(n.operands[0]).shape);
  if (grad_input_by_col2im(s)) return lower_conv2d_grad_input_col2im(ctx, v, s);
  Gemm gemm;
  gemm.a = transposed_weight(ctx, n.operands[1]);  // wt[g][Og*KK, Cg] = op(A)^T
  gemm.transpose_a = true;
  gemm.b = operand_buffer(ctx, n.operands[0]);  // dy, through the transposed window
  gemm.c = ctx.materialise_into(v);
  gemm.m = s.Cg, gemm.k = s.Og * s.taps(), gemm.n_cols = s.in_plane();
  gemm.lda = s.Cg, gemm.ldc = s.in_plane();
  gemm.batch = s.batch;
  gemm.a_batch_stride = 0, gemm.b_batch_stride = s.O * s.out_plane(), gemm.c_batch_stride = s.C * s.in_plane();
  gemm.groups = s.groups;
  gemm.a_group_stride = s.Og * s.taps() * s.Cg, gemm.b_group_stride = s.Og * s.out_plane();
  gemm.c_group_stride = s.Cg * s.in_plane();
  gemm.has_b_window = true;
  gemm.b_window = s.transposed_window();
  ctx.kernel().body.push_back(make_gemm(gemm));
}

// Runs of the weight gradient's batch sum (kernel_ir.h, reduce_runs): 8,
// fewer where 8 partials of dw would pass 16 MiB (their sum rereads them
// all), so that a small dw still gives 8 units of work without cutting it
// into blocks that each repack the operands. Shapes alone decide, never the
// target or the thread count.
int64_t weight_gradient_runs(const ConvShape& s, DType t) {
  constexpr int64_t kMaxRuns = 8, kPartialBytes = int64_t{16} << 20;
  const int64_t dw_bytes = s.O * s.Cg * s.taps() * static_cast<int64_t>(dtype_size(t));
  return std::clamp<int64_t>(kPartialBytes / dw_bytes, 1, kMaxRuns);
}

void lower_conv2d_grad_weight(Context& ctx, ValueId v) {
  const Graph& g = ctx.graph();
  const Node& n = g.node(v);
  const ConvShape s(n, g.type(n.operands[0]).shape, n.type.shape, g.type(n.operands[1]).shape);
  Gemm gemm;
  gemm.reduce_runs = weight_gradient_runs(s, n.type.dtype);
  if (gemm.reduce_runs > 1)
    gemm.partials = ctx.kernel().add_buffer({cat("scratch%", v, "_runs"), n.type.dtype,
                                             SizeExpr(gemm.reduce_runs * element_count(n.type.shape)),
                                             BufferRole::scratch, -1});
  gemm.a = operand_buffer(ctx, n.operands[1]);  // dy[n,g][Og, P]
  gemm.b = operand_buffer(ctx, n.operands[0]);  // x, through the window, transposed
  gemm.transpose_b = true;
  gemm.c = ctx.materialise_into(v);
  gemm.m = s.Og, gemm.k = s.out_plane(), gemm.n_cols = s.Cg * s.taps();
  gemm.lda = s.out_plane(), gemm.ldc = s.Cg * s.taps();
  gemm.batch = s.batch;
  gemm.reduce_batch = true;
  gemm.a_batch_stride = s.O * s.out_plane(), gemm.b_batch_stride = s.C * s.in_plane(), gemm.c_batch_stride = 0;
  gemm.groups = s.groups;
  gemm.a_group_stride = s.Og * s.out_plane(), gemm.b_group_stride = s.Cg * s.in_plane();
  gemm.c_group_stride = s.Og * s.Cg * s.taps();
  gemm.has_b_window = true;
  gemm.b_window = s.input_window();
  ctx.kernel().body.push_back(make_gemm(gemm));
}

}  // namespace graphc::codegen::lowering
