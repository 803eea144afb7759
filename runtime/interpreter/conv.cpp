// conv2d and its two adjoints, all through im2col: one sample and group of
// the input is unfolded into columns col[Cg*KH*KW, OH*OW] (zero where a tap
// falls in the padding), so that
//   conv2d              y[Og, OH*OW]   = w[Og, Cg*KH*KW] @ col
//   conv2d_grad_input   dcol           = w^T @ dy, folded back onto dx (adding)
//   conv2d_grad_weight  dw[Og, CgKK]  += dy @ col^T
// and gemm does the arithmetic. Few-channel layers get long rows and deep
// ones long inner products, both fast; a direct loop over kernel taps is slow
// on the 4x4 maps of deep networks. Each adjoint is its own computation (not
// a call to conv2d), so the adjoint test checks them against each other.
//
// Legend: x[N,C,H,W], w[O,C/g,KH,KW], y[N,O,OH,OW]; groups g split C and O
// evenly into Cg = C/g and Og = O/g.
#include <algorithm>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

namespace {

// The output positions o in [0, out_len) whose input position
// o*stride - pad + tap lies inside [0, in_len): an interval [lo, hi).
struct Span {
  int64_t lo, hi;
};
Span valid_outputs(int64_t out_len, int64_t in_len, int64_t stride, int64_t pad, int64_t tap) {
  const int64_t shift = tap - pad;  // input position of output 0
  const int64_t lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
  const int64_t last_in = in_len - 1 - shift;
  const int64_t hi = last_in < 0 ? 0 : std::min(out_len, last_in / stride + 1);
  return {lo, std::max(lo, hi)};
}

struct ConvGeometry {
  int64_t N, C, H, W, O, KH, KW, OH, OW, groups, Cg, Og;
  int64_t sh, sw, ph, pw, dh, dw;

  ConvGeometry(const Node& n, const Shape& x, const Shape& w, const Shape& y)
      : N(x[0]), C(x[1]), H(x[2]), W(x[3]), O(w[0]), KH(w[2]), KW(w[3]), OH(y[2]), OW(y[3]), groups(n.i("groups")) {
    const auto &s = n.ints("stride"), &p = n.ints("padding"), &d = n.ints("dilation");
    sh = s[0], sw = s[1], ph = p[0], pw = p[1], dh = d[0], dw = d[1];
    Cg = C / groups, Og = O / groups;
  }
  int64_t taps() const { return Cg * KH * KW; }   // rows of col
  int64_t pixels() const { return OH * OW; }      // columns of col
  int64_t x_group(int64_t n, int64_t g) const { return (n * C + g * Cg) * H * W; }
  int64_t y_group(int64_t n, int64_t g) const { return (n * O + g * Og) * OH * OW; }

  // Calls visit(col_row, x_offset, rows, cols, ih0, iw0) for every tap
  // (ic, kh, kw) of one group: col_row is the tap's row of col, x_offset its
  // input channel's plane, and output (oh, ow) in rows x cols reads input
  // (ih0 + oh*sh, iw0 + ow*sw); outside rows x cols it reads padding.
  template <typename Visit>
  void for_each_tap(Visit visit) const {
    for (int64_t ic = 0; ic < Cg; ++ic)
      for (int64_t kh = 0; kh < KH; ++kh) {
        const Span rows = valid_outputs(OH, H, sh, ph, kh * dh);
        for (int64_t kw = 0; kw < KW; ++kw) {
          const Span cols = valid_outputs(OW, W, sw, pw, kw * dw);
          visit((ic * KH + kh) * KW + kw, ic * H * W, rows, cols, kh * dh - ph, kw * dw - pw);
        }
      }
  }

  // col[taps, pixels] <- one group of one sample, x_group[Cg,H,W].
  void im2col(const double* x_group, double* col) const {
    std::fill(col, col + taps() * pixels(), 0.0);
    for_each_tap([&](int64_t tap, int64_t plane, Span rows, Span cols, int64_t ih0, int64_t iw0) {
      double* row = col + tap * pixels();
      for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
        const double* x_row = x_group + plane + (ih0 + oh * sh) * W;
        for (int64_t ow = cols.lo; ow < cols.hi; ++ow) row[oh * OW + ow] = x_row[iw0 + ow * sw];
      }
    });
  }

  // dx_group[Cg,H,W] += what each column entry of dcol[taps, pixels] read.
  void col2im_add(const double* dcol, double* dx_group) const {
    for_each_tap([&](int64_t tap, int64_t plane, Span rows, Span cols, int64_t ih0, int64_t iw0) {
      const double* row = dcol + tap * pixels();
      for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
        double* dx_row = dx_group + plane + (ih0 + oh * sh) * W;
        for (int64_t ow = cols.lo; ow < cols.hi; ++ow) dx_row[iw0 + ow * sw] += row[oh * OW + ow];
      }
    });
  }
};

}  // namespace

HostTensor conv2d(const Node& n, const HostTensor& x, const HostTensor& w) {
  HostTensor y(n.type.dtype, n.type.shape);
  const ConvGeometry geo(n, x.shape, w.shape, y.shape);
  double* col = scratch(Scratch::columns, geo.taps() * geo.pixels());
  for (int64_t s = 0; s < geo.N; ++s)
    for (int64_t g = 0; g < geo.groups; ++g) {
      geo.im2col(x.data.data() + geo.x_group(s, g), col);
      // y[Og, pixels] += w_g[Og, taps] @ col[taps, pixels]
      gemm(w.data.data() + g * geo.Og * geo.taps(), col, y.data.data() + geo.y_group(s, g), geo.Og, geo.taps(),
           geo.pixels());
    }
  return y;
}

HostTensor conv2d_grad_input(const Node& n, const HostTensor& dy, const HostTensor& w) {
  HostTensor dx(n.type.dtype, n.type.shape);
  const ConvGeometry geo(n, dx.shape, w.shape, dy.shape);
  double* dcol = scratch(Scratch::columns, geo.taps() * geo.pixels());
  double* w_t = scratch(Scratch::lhs, geo.taps() * geo.Og);
  for (int64_t g = 0; g < geo.groups; ++g) {
    // w_t[taps, Og] = w_g^T
    transpose_into(w.data.data() + g * geo.Og * geo.taps(), geo.Og, geo.taps(), w_t);
    for (int64_t s = 0; s < geo.N; ++s) {
      std::fill(dcol, dcol + geo.taps() * geo.pixels(), 0.0);
      // dcol[taps, pixels] = w_t[taps, Og] @ dy[Og, pixels]
      gemm(w_t, dy.data.data() + geo.y_group(s, g), dcol, geo.taps(), geo.Og, geo.pixels());
      geo.col2im_add(dcol, dx.data.data() + geo.x_group(s, g));
    }
  }
  return dx;
}

HostTensor conv2d_grad_weight(const Node& n, const HostTensor& x, const HostTensor& dy) {
  HostTensor dw(n.type.dtype, n.type.shape);
  const ConvGeometry geo(n, x.shape, dw.shape, dy.shape);
  double* col = scratch(Scratch::columns, geo.taps() * geo.pixels());
  double* col_t = scratch(Scratch::rhs, geo.taps() * geo.pixels());
  for (int64_t s = 0; s < geo.N; ++s)
    for (int64_t g = 0; g < geo.groups; ++g) {
      geo.im2col(x.data.data() + geo.x_group(s, g), col);
      transpose_into(col, geo.taps(), geo.pixels(), col_t);
      // dw_g[Og, taps] += dy[Og, pixels] @ col_t[pixels, taps]
      gemm(dy.data.data() + geo.y_group(s, g), col_t, dw.data.data() + g * geo.Og * geo.taps(), geo.Og, geo.pixels(),
           geo.taps());
    }
  return dw;
}

}  // namespace graphc::runtime::interp
