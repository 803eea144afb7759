// Pooling window geometry shared by the pool lowerings (lower_window.cpp)
// and their gradients (lower_window_grad.cpp), with the semantics of
// runtime/interpreter/window.cpp: tap k of window o reads input position
// o*stride - padding + k*dilation, and taps outside [0, in) are padding
// (-inf for max, left out of avg's sum; counted by count_include_pad).
//
// Loops over an output axis are split into segments: the interior, whose
// windows lie wholly inside the input, and the borders before and after it.
// Guards are proven from the segment's range (lower_guards.h: VarRanges),
// so only the border loops branch and the interior loop vectorises.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "codegen/lower_guards.h"
#include "codegen/lowering_context.h"

namespace graphc::codegen::lowering {

struct WindowAxis {
  int64_t in = 1, out = 1;  // input and pooled extents
  int64_t kernel = 1, stride = 1, pad = 0, dilation = 1;

  // The input position of tap `k` of window `o`.
  AffineIndex tap(const AffineIndex& o, const AffineIndex& k) const;
  // [first, last): the windows whose taps all lie in [0, in) (within [0, out)).
  std::pair<int64_t, int64_t> interior() const;
};

// x[N,C,H,W] pooled to y[N,C,OH,OW].
struct WindowGeometry {
  WindowAxis h, w;
  WindowGeometry(const Node& pool, const Shape& x, const Shape& y);
  WindowGeometry(const WindowAxis& rows, const WindowAxis& cols) : h(rows), w(cols) {}
  int64_t taps() const { return h.kernel * w.kernel; }
};

// A run [begin, begin + length) of a loop over an axis.
struct Segment {
  int64_t begin = 0, length = 0;
};
// [0, extent) cut before `first` and before `last` (empty runs left out;
// one run if first >= last).
std::vector<Segment> split(int64_t extent, int64_t first, int64_t last);
// A loop variable over the segment: its coordinate is var + begin, and its
// range goes into `ranges`.
struct SegmentLoop {
  VarId var = -1;
  AffineIndex coord;
};
SegmentLoop segment_loop(Context& ctx, VarRanges& ranges, const Segment& s);

// The nest over planes (n, c) of [N, C, rows, cols]: a parallel loop over N,
// a loop over C, then one loop pair per (row segment, column segment), the
// column loop innermost (marked vectorize) with body(...) inside.
using PlaneBody = std::function<std::vector<Stmt>(const AffineIndex& sample, const AffineIndex& channel,
                                                  const AffineIndex& row, const AffineIndex& col)>;
Stmt plane_nest(Context& ctx, VarRanges& ranges, const Shape& planes, const std::vector<Segment>& rows,
                const std::vector<Segment>& cols, const PlaneBody& body);

// Statements applying `tap(body, ih, iw, kh, kw)` to the taps (kh, kw) of
// the window at (oh, ow), in row-major order: two loops over the kernel
// (LLVM unrolls small ones), each guarded where `ranges` cannot prove its
// position inside the input. tap() emits into the body it is given and may
// read x at (ih, iw).
using TapBody = std::function<void(Body& body, const AffineIndex& ih, const AffineIndex& iw, VarId kh, VarId kw)>;
std::vector<Stmt> for_each_tap(Context& ctx, const WindowGeometry& geo, const AffineIndex& oh, const AffineIndex& ow,
                               VarRanges& ranges, const TapBody& tap);

void lower_pool(Context& ctx, ValueId v);       // max_pool2d, avg_pool2d
void lower_pool_grad(Context& ctx, ValueId v);  // max_pool2d_grad, avg_pool2d_grad

}  // namespace graphc::codegen::lowering
