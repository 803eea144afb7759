// Pooling kernels and their gradients. Windows are walked one output at a
// time: pooled planes are small, and this keeps PyTorch's tie rules obvious.
// Max pooling treats padding as -inf, so a window's maximum is always one of
// its real elements: the first in row-major window order (a NaN counts as the
// maximum), which is where the gradient goes. Average pooling divides by the
// kernel area (count_include_pad) or by the number of real elements.
#include <cmath>
#include <limits>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

namespace {

// x[N,C,H,W] pooled to y[N,C,OH,OW]: both viewed as N*C planes.
struct PoolGeometry {
  int64_t planes, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw;

  PoolGeometry(const Node& n, const Shape& x, const Shape& y) {
    const auto &k = n.ints("kernel"), &s = n.ints("stride"), &p = n.ints("padding");
    std::vector<int64_t> d{1, 1};
    if (n.has("dilation")) d = n.ints("dilation");
    planes = x[0] * x[1], H = x[2], W = x[3], OH = y[2], OW = y[3];
    KH = k[0], KW = k[1], sh = s[0], sw = s[1], ph = p[0], pw = p[1], dh = d[0], dw = d[1];
  }

  // Calls visit(in_index) for the real (non-padding) elements of window
  // (oh, ow), in row-major window order; in_index is within the plane.
  template <typename Visit>
  void for_each_in_window(int64_t oh, int64_t ow, Visit visit) const {
    for (int64_t kh = 0; kh < KH; ++kh) {
      const int64_t ih = oh * sh - ph + kh * dh;
      if (ih < 0 || ih >= H) continue;
      for (int64_t kw = 0; kw < KW; ++kw) {
        const int64_t iw = ow * sw - pw + kw * dw;
        if (iw >= 0 && iw < W) visit(ih * W + iw);
      }
    }
  }

  // Index within the plane of the window's first maximum, or -1 for a
  // window of padding only (possible with dilation): its maximum is -inf
  // and its gradient goes nowhere.
  int64_t window_argmax(const double* plane, int64_t oh, int64_t ow) const {
    int64_t best = -1;
    for_each_in_window(oh, ow, [&](int64_t i) {
      const double v = plane[i], b = best < 0 ? 0.0 : plane[best];
      if (best < 0 || v > b || (std::isnan(v) && !std::isnan(b))) best = i;
    });
    return best;
  }

  double divisor(const Node& n, int64_t oh, int64_t ow) const {
    if (n.b("count_include_pad")) return static_cast<double>(KH * KW);
    int64_t count = 0;
    for_each_in_window(oh, ow, [&](int64_t) { ++count; });
    return static_cast<double>(count);
  }
};

}  // namespace

HostTensor max_pool2d(const Node& n, const HostTensor& x) {
  HostTensor y(n.type.dtype, n.type.shape);
  const PoolGeometry geo(n, x.shape, y.shape);
  for (int64_t p = 0; p < geo.planes; ++p) {
    const double* plane = x.data.data() + p * geo.H * geo.W;
    double* out = y.data.data() + p * geo.OH * geo.OW;
    for (int64_t oh = 0; oh < geo.OH; ++oh)
      for (int64_t ow = 0; ow < geo.OW; ++ow) {
        const int64_t best = geo.window_argmax(plane, oh, ow);
        out[oh * geo.OW + ow] = best < 0 ? -std::numeric_limits<double>::infinity() : plane[best];
      }
  }
  return y;
}

HostTensor max_pool2d_grad(const Node& n, const HostTensor& dy, const HostTensor& x) {
  HostTensor dx(n.type.dtype, n.type.shape);
  const PoolGeometry geo(n, x.shape, dy.shape);
  for (int64_t p = 0; p < geo.planes; ++p) {
    const double* plane = x.data.data() + p * geo.H * geo.W;
    const double* grad = dy.data.data() + p * geo.OH * geo.OW;
    double* dplane = dx.data.data() + p * geo.H * geo.W;
    // Overlapping windows may share a maximum: their gradients add up.
    for (int64_t oh = 0; oh < geo.OH; ++oh)
      for (int64_t ow = 0; ow < geo.OW; ++ow) {
        const int64_t best = geo.window_argmax(plane, oh, ow);
        if (best >= 0) dplane[best] += grad[oh * geo.OW + ow];
      }
  }
  return dx;
}

HostTensor avg_pool2d(const Node& n, const HostTensor& x) {
  HostTensor y(n.type.dtype, n.type.shape);
  const PoolGeometry geo(n, x.shape, y.shape);
  for (int64_t p = 0; p < geo.planes; ++p) {
    const double* plane = x.data.data() + p * geo.H * geo.W;
    double* out = y.data.data() + p * geo.OH * geo.OW;
    for (int64_t oh = 0; oh < geo.OH; ++oh)
      for (int64_t ow = 0; ow < geo.OW; ++ow) {
        double sum = 0;
        geo.for_each_in_window(oh, ow, [&](int64_t i) { sum += plane[i]; });
        out[oh * geo.OW + ow] = sum / geo.divisor(n, oh, ow);
      }
  }
  return y;
}

HostTensor avg_pool2d_grad(const Node& n, const HostTensor& dy) {
  HostTensor dx(n.type.dtype, n.type.shape);
  const PoolGeometry geo(n, dx.shape, dy.shape);
  for (int64_t p = 0; p < geo.planes; ++p) {
    const double* grad = dy.data.data() + p * geo.OH * geo.OW;
    double* dplane = dx.data.data() + p * geo.H * geo.W;
    for (int64_t oh = 0; oh < geo.OH; ++oh)
      for (int64_t ow = 0; ow < geo.OW; ++ow) {
        const double share = grad[oh * geo.OW + ow] / geo.divisor(n, oh, ow);
        geo.for_each_in_window(oh, ow, [&](int64_t i) { dplane[i] += share; });
      }
  }
  return dx;
}

}  // namespace graphc::runtime::interp
