// max_pool2d_grad and avg_pool2d_grad as gathers: every input element sums
// the shares of the windows that contain it, so each dx element is written
// once, by one iteration of the parallel loop, in a fixed order (no scatter,
// no atomics, no dependence on the thread count).
//
// Which windows contain input row ih? Those oh with ih = oh*s - p + kh*d for
// a tap kh. Write ih = q*s + r (r < s, the residue class): then tap kh
// matches exactly when (r + p - kh*d) is a multiple of s, and the window is
// oh = q + (r + p - kh*d)/s, affine in q with a constant offset. So one
// iteration (q, qw) of the loop nest computes the s_h x s_w block of dx at
// rows q*s_h + r, columns qw*s_w + rw: the (class, tap) pairs are known at
// compile time, every index stays affine (no division in the kernel), and
// a window shared by several elements of the block is looked at once. For
// the usual 2x2/stride-2 pool a block is one window and its four elements.
//
// Shares: avg gives dy / divisor to every element of the window; max gives
// dy to the window's first maximum (recomputed from x in row-major tap
// order, padding never chosen, NaN beating numbers), as the interpreter does.
//
// When windows overlap across blocks (a 3x3/2 pool: each window serves four
// blocks), scanning each window once per block would repeat the work; then
// a first nest stores every window's first-maximum tap in scratch (as the
// forward pool walks windows) and the gather reads it. Windows that tile the
// input (2x2/2) are scanned in the gather itself, with no scratch traffic.
//
// Blocks are split into border and interior segments (lower_window.h): in
// the interior every element exists, every window it needs lies inside the
// output and every tap of those windows inside the input, so the interior
// loop carries no branch.
//
// Legend: x, dx[N,C,H,W]; dy[N,C,OH,OW]; (q, qw) a block, (r, rw) its classes.
#include <algorithm>
#include <limits>
#include <map>

#include "codegen/lower_epilogue.h"
#include "codegen/lower_guards.h"
#include "codegen/lower_window.h"

namespace graphc::codegen::lowering {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t floor_mod(int64_t a, int64_t b) { return ((a % b) + b) % b; }

// A tap of the residue class r of one axis: the window (q + offset) holds
// the class's element at tap `tap`.
struct ClassTap {
  int64_t tap, offset;
};

// The taps of class r (positions q*stride + r, q < blocks) whose windows can
// exist: the offset puts some q's window inside [0, out).
std::vector<ClassTap> class_taps(const WindowAxis& a, int64_t r, int64_t blocks) {
  std::vector<ClassTap> taps;
  for (int64_t k = 0; k < a.kernel; ++k) {
    const int64_t shift = r + a.pad - k * a.dilation;
    if (floor_mod(shift, a.stride) != 0) continue;
    const int64_t offset = (shift - floor_mod(shift, a.stride)) / a.stride;
    if (offset >= a.out || blocks - 1 + offset < 0) continue;
    taps.push_back({k, offset});
  }
  return taps;
}

// [first, last) of the blocks whose elements all exist and whose windows lie
// in the forward interior (inside the output, taps inside the input).
std::pair<int64_t, int64_t> block_interior(const WindowAxis& a, int64_t blocks) {
  int64_t low = 0, high = 0;
  bool any = false;
  for (int64_t r = 0; r < a.stride; ++r)
    for (const ClassTap& t : class_taps(a, r, blocks)) {
      low = any ? std::min(low, t.offset) : t.offset;
      high = any ? std::max(high, t.offset) : t.offset;
      any = true;
    }
  const auto [first, last] = a.interior();
  if (!any) return {0, a.in / a.stride};
  return {std::max<int64_t>(0, first - low), std::min(a.in / a.stride, last - high)};
}

// How many blocks look at each window: the distinct window offsets of an axis.
int64_t blocks_per_window(const WindowAxis& a, int64_t blocks) {
  std::vector<int64_t> offsets;
  for (int64_t r = 0; r < a.stride; ++r)
    for (const ClassTap& t : class_taps(a, r, blocks))
      if (std::find(offsets.begin(), offsets.end(), t.offset) == offsets.end()) offsets.push_back(t.offset);
  return static_cast<int64_t>(offsets.size());
}

// `candidate` beats `best` when larger, or NaN against a non-NaN.
ExprPtr beats(const ExprPtr& candidate, const ExprPtr& best) {
  ExprPtr no = make_constant(0, DType::boolean), yes = make_constant(1, DType::boolean);
  ExprPtr candidate_nan = make_op(OpKind::ne, {candidate, candidate}, DType::boolean);
  ExprPtr best_number = make_op(OpKind::eq, {best, best}, DType::boolean);
  ExprPtr nan_wins = make_op(OpKind::select, {candidate_nan, best_number, no}, DType::boolean);
  return make_op(OpKind::select, {make_op(OpKind::gt, {candidate, best}, DType::boolean), yes, nan_wins},
                 DType::boolean);
}

ExprPtr i64(int64_t v) { return make_constant(static_cast<double>(v), DType::i64); }
// Taps are counted in i32, the width of f32: the compares and selects of a
// vectorised window scan then fill the same vectors as its values.
ExprPtr i32(int64_t v) { return make_constant(static_cast<double>(v), DType::i32); }

class PoolGradLowering {
 public:
  PoolGradLowering(Context& ctx, ValueId v)
      : ctx_(ctx),
        n_(ctx.graph().node(v)),
        dy_(n_.operands[0]),
        is_max_(n_.op == OpKind::max_pool2d_grad),
        t_(n_.type.dtype),
        geo_(n_, n_.type.shape, ctx.graph().type(dy_).shape),
        epilogue_(plan_epilogue(ctx, v)),
        blocks_h_(ceil_div(geo_.h.in, geo_.h.stride)),
        blocks_w_(ceil_div(geo_.w.in, geo_.w.stride)) {}

  // Shapes: dy[N,C,OH,OW] (and x[N,C,H,W] for max) -> dx[N,C,H,W].
  void lower() {
    if (is_max_ && blocks_per_window(geo_.h, blocks_h_) * blocks_per_window(geo_.w, blocks_w_) > 1)
      store_first_maxima();
    const auto [row_first, row_last] = block_interior(geo_.h, blocks_h_);
    const auto [col_first, col_last] = block_interior(geo_.w, blocks_w_);
    ctx_.kernel().body.push_back(plane_nest(
        ctx_, ranges_, n_.type.shape, split(blocks_h_, row_first, row_last), split(blocks_w_, col_first, col_last),
        [&](const AffineIndex& sample, const AffineIndex& channel, const AffineIndex& q, const AffineIndex& qw) {
          sample_ = sample;
          channel_ = channel;
          return block(q, qw);
        }));
    finish_epilogue(ctx_, epilogue_);
  }

 private:
  // first_max of every window into an i32 scratch buffer [N,C,OH,OW]: a
  // nest over the windows like the forward pool's.
  void store_first_maxima() {
    const Shape& y = ctx_.graph().type(dy_).shape;
    first_maxima_ = ctx_.kernel().add_buffer(
        {cat("first_max%", n_.operands[1]), DType::i32, element_count(y), BufferRole::scratch, -1});
    const auto [row_first, row_last] = geo_.h.interior();
    const auto [col_first, col_last] = geo_.w.interior();
    ctx_.kernel().body.push_back(plane_nest(
        ctx_, ranges_, y, split(geo_.h.out, row_first, row_last), split(geo_.w.out, col_first, col_last),
        [&](const AffineIndex& sample, const AffineIndex& channel, const AffineIndex& oh, const AffineIndex& ow) {
          sample_ = sample;
          channel_ = channel;
          Body body;
          const ScalarId first = ctx_.kernel().add_scalar(DType::i32);
          body.stmts.push_back(make_let(first, i32(-1)));
          first_maximum(body, oh, ow, first);
          body.stmts.push_back(
              make_store(first_maxima_, linearize({sample, channel, oh, ow}, y), make_scalar(first, DType::i32)));
          return std::move(body.stmts);
        }));
  }

  // Registers describing one window, computed once per block.
  struct Window {
    ScalarId share = -1;      // avg: dy / divisor; max: dy (0 outside the output)
    ScalarId first_max = -1;  // max: the tap holding the window's first maximum, -1 if none
  };

  // The s_h x s_w block of dx at (q, qw): its windows' registers first (an
  // element reads several, a window serves several elements), then each
  // element of the block as the sum of its shares.
  std::vector<Stmt> block(const AffineIndex& q, const AffineIndex& qw) {
    windows_.clear();
    shares_ = Body{};
    Body elements;
    for (int64_t r = 0; r < geo_.h.stride; ++r)
      for (int64_t rw = 0; rw < geo_.w.stride; ++rw) element(elements, q, qw, r, rw);
    std::vector<Stmt> stmts = std::move(shares_.stmts);
    append_stmts(stmts, std::move(elements.stmts));
    return stmts;
  }

  // The element of class (r, rw) of block (q, qw), if it exists.
  void element(Body& body, const AffineIndex& q, const AffineIndex& qw, int64_t r, int64_t rw) {
    if (r >= geo_.h.in || rw >= geo_.w.in) return;  // a stride past the input leaves classes empty
    AffineIndex ih = q.scaled(SizeExpr(geo_.h.stride)), iw = qw.scaled(SizeExpr(geo_.w.stride));
    ih.offset = ih.offset + SizeExpr(r);
    iw.offset = iw.offset + SizeExpr(rw);
    std::vector<ExprPtr> inside = bounds(ih, std::nullopt, geo_.h.in, &ranges_);
    for (ExprPtr& c : bounds(iw, std::nullopt, geo_.w.in, &ranges_)) inside.push_back(std::move(c));

    Body element_body;
    element_body.computed = body.computed;
    const ScalarId acc = ctx_.kernel().add_scalar(t_);
    element_body.stmts.push_back(make_let(acc, make_constant(0, t_)));
    for (const ClassTap& th : class_taps(geo_.h, r, blocks_h_))
      for (const ClassTap& tw : class_taps(geo_.w, rw, blocks_w_)) {
        const Window& w = window(q, qw, th.offset, tw.offset);
        ExprPtr share = make_scalar(w.share, t_);
        if (is_max_) {
          ExprPtr tap = i32(th.tap * geo_.w.kernel + tw.tap);
          ExprPtr chosen = make_op(OpKind::eq, {make_scalar(w.first_max, DType::i32), tap}, DType::boolean);
          share = make_op(OpKind::select, {chosen, share, make_constant(0, t_)}, t_);
        }
        element_body.stmts.push_back(make_accumulate(acc, Combine::sum, share));
      }
    emit_epilogue(ctx_, epilogue_, {sample_, channel_, ih, iw}, make_scalar(acc, t_), element_body);
    if (inside.empty())
      append_stmts(body.stmts, std::move(element_body.stmts));
    else
      body.stmts.push_back(make_if(all_of(inside), std::move(element_body.stmts)));
  }

  // The registers of window (q + dh, qw + dw), emitted into shares_ once.
  const Window& window(const AffineIndex& q, const AffineIndex& qw, int64_t dh, int64_t dw) {
    auto found = windows_.find({dh, dw});
    if (found != windows_.end()) return found->second;
    AffineIndex oh = q, ow = qw;
    oh.offset = oh.offset + SizeExpr(dh);
    ow.offset = ow.offset + SizeExpr(dw);
    std::vector<ExprPtr> exists = bounds(oh, 0, geo_.h.out, &ranges_);
    for (ExprPtr& c : bounds(ow, 0, geo_.w.out, &ranges_)) exists.push_back(std::move(c));

    Window w;
    w.share = ctx_.kernel().add_scalar(t_);
    shares_.stmts.push_back(make_let(w.share, make_constant(0, t_)));
    Body inside;
    if (is_max_) {
      w.first_max = ctx_.kernel().add_scalar(DType::i32);
      shares_.stmts.push_back(make_let(w.first_max, i32(-1)));
      if (first_maxima_ >= 0) {
        const AffineIndex at = linearize({sample_, channel_, oh, ow}, ctx_.graph().type(dy_).shape);
        inside.stmts.push_back(make_let(w.first_max, make_load(first_maxima_, at, DType::i32)));
      } else {
        first_maximum(inside, oh, ow, w.first_max);
      }
    }
    ExprPtr share = ctx_.value_at(dy_, {sample_, channel_, oh, ow}, inside);
    if (!is_max_) share = make_op(OpKind::div, {share, divisor(inside, oh, ow)}, t_);
    inside.stmts.push_back(make_let(w.share, share));
    if (exists.empty())
      append_stmts(shares_.stmts, std::move(inside.stmts));
    else
      shares_.stmts.push_back(make_if(all_of(exists), std::move(inside.stmts)));
    return windows_.emplace(std::make_pair(dh, dw), w).first->second;
  }

  // first_max = the first tap (row-major) of window (oh, ow) holding its
  // maximum; padding taps are skipped, so the first real tap starts it.
  void first_maximum(Body& body, const AffineIndex& oh, const AffineIndex& ow, ScalarId first_max) {
    const ValueId x = n_.operands[1];
    const DType xt = ctx_.graph().type(x).dtype;
    const ScalarId best = ctx_.kernel().add_scalar(xt), wins = ctx_.kernel().add_scalar(DType::boolean);
    body.stmts.push_back(make_let(best, make_constant(-std::numeric_limits<double>::infinity(), xt)));
    auto scan = [&](Body& b, const AffineIndex& ih, const AffineIndex& iw, VarId kh, VarId kw) {
      ExprPtr value = ctx_.value_at(x, {sample_, channel_, ih, iw}, b);
      ExprPtr best_now = make_scalar(best, xt), index_now = make_scalar(first_max, DType::i32);
      ExprPtr none_yet = make_op(OpKind::lt, {index_now, i32(0)}, DType::boolean);
      b.stmts.push_back(make_let(
          wins, make_op(OpKind::select, {none_yet, make_constant(1, DType::boolean), beats(value, best_now)},
                        DType::boolean)));
      ExprPtr won = make_scalar(wins, DType::boolean);
      b.stmts.push_back(make_let(best, make_op(OpKind::select, {won, value, best_now}, xt)));
      ExprPtr tap =
          make_cast(index_value(AffineIndex{0, {{kh, SizeExpr(geo_.w.kernel)}, {kw, SizeExpr(1)}}}), DType::i32);
      b.stmts.push_back(make_let(first_max, make_op(OpKind::select, {won, tap, index_now}, DType::i32)));
    };
    append_stmts(body.stmts, for_each_tap(ctx_, geo_, oh, ow, ranges_, scan));
  }

  // avg: the kernel area, or (count_include_pad false) the taps inside the input.
  ExprPtr divisor(Body& body, const AffineIndex& oh, const AffineIndex& ow) {
    if (n_.b("count_include_pad")) return make_constant(static_cast<double>(geo_.taps()), t_);
    const ScalarId count = ctx_.kernel().add_scalar(DType::i64);
    body.stmts.push_back(make_let(count, i64(0)));
    auto count_tap = [&](Body& b, const AffineIndex&, const AffineIndex&, VarId, VarId) {
      b.stmts.push_back(make_accumulate(count, Combine::sum, i64(1)));
    };
    append_stmts(body.stmts, for_each_tap(ctx_, geo_, oh, ow, ranges_, count_tap));
    return make_cast(make_scalar(count, DType::i64), t_);
  }

  Context& ctx_;
  const Node& n_;
  const ValueId dy_;
  const bool is_max_;
  const DType t_;
  const WindowGeometry geo_;
  const Epilogue epilogue_;
  const int64_t blocks_h_, blocks_w_;  // blocks per axis: ceil(in / stride)
  AffineIndex sample_, channel_;
  VarRanges ranges_;
  BufferId first_maxima_ = -1;  // scratch of the windows' first maxima, when precomputed
  Body shares_;  // the current block's window registers, emitted before its elements
  std::map<std::pair<int64_t, int64_t>, Window> windows_;
};

}  // namespace

void lower_pool_grad(Context& ctx, ValueId v) { PoolGradLowering(ctx, v).lower(); }

}  // namespace graphc::codegen::lowering
