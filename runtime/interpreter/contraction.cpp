// Contraction kernels: matmul and conv2d with conv2d's two adjoints. These
// dominate the interpreter's time (an MNIST MLP step is ~26M multiply-adds),
// so the loops are ordered for contiguous inner access: matmul packs its
// operands to A[M,K] and B[K,P] and runs i-k-j over blocks of four rows;
// convolutions run along output rows with the valid range of each kernel tap
// computed once, so the inner loop has no bounds checks. Each adjoint is
// written out directly (not by calling conv2d) so that the adjoint test
// checks three independent loop nests against each other.
#include <algorithm>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

namespace {

// C[M,P] += A[M,K] @ B[K,P], all row-major and contiguous. Every C element
// sums over k in increasing order, as the plain triple loop would.
void gemm(const double* A, const double* B, double* C, int64_t M, int64_t K, int64_t P) {
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) {
    double* __restrict c0 = C + i * P;
    double* __restrict c1 = c0 + P;
    double* __restrict c2 = c1 + P;
    double* __restrict c3 = c2 + P;
    const double* a = A + i * K;
    for (int64_t k = 0; k < K; ++k) {
      const double* __restrict b = B + k * P;
      const double x0 = a[k], x1 = a[K + k], x2 = a[2 * K + k], x3 = a[3 * K + k];
      for (int64_t j = 0; j < P; ++j) {
        c0[j] += x0 * b[j];
        c1[j] += x1 * b[j];
        c2[j] += x2 * b[j];
        c3[j] += x3 * b[j];
      }
    }
  }
  for (; i < M; ++i) {
    double* __restrict c = C + i * P;
    for (int64_t k = 0; k < K; ++k) {
      const double* __restrict b = B + k * P;
      const double x = A[i * K + k];
      for (int64_t j = 0; j < P; ++j) c[j] += x * b[j];
    }
  }
}

// src[rows, cols] -> dst[cols, rows].
void transpose_into(const double* src, int64_t rows, int64_t cols, double* dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
}

// The output positions o in [0, out_len) whose input tap o*stride - pad + tap
// lies inside [0, in_len): an interval [lo, hi), empty when lo >= hi.
struct Span {
  int64_t lo, hi;
};
Span valid_outputs(int64_t out_len, int64_t in_len, int64_t stride, int64_t pad, int64_t tap) {
  const int64_t shift = tap - pad;  // input position of output 0
  const int64_t lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
  const int64_t last_in = in_len - 1 - shift;
  const int64_t hi = last_in < 0 ? 0 : std::min(out_len, last_in / stride + 1);
  return {lo, hi};
}

// The geometry shared by conv2d and its adjoints.
// x[N,C,H,W], w[O,C/g,KH,KW], y[N,O,OH,OW]; groups g split C and O evenly.
struct ConvGeometry {
  int64_t N, C, H, W, O, KH, KW, OH, OW, groups;
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t Cg() const { return C / groups; }
  int64_t Og() const { return O / groups; }

  ConvGeometry(const Node& n, const Shape& x, const Shape& w, const Shape& y)
      : N(x[0]), C(x[1]), H(x[2]), W(x[3]), O(w[0]), KH(w[2]), KW(w[3]), OH(y[2]), OW(y[3]), groups(n.i("groups")) {
    const auto &s = n.ints("stride"), &p = n.ints("padding"), &d = n.ints("dilation");
    sh = s[0], sw = s[1], ph = p[0], pw = p[1], dh = d[0], dw = d[1];
  }

  // Calls visit(xp, yp, wi, rows, cols, ih0, iw0) for every (input plane,
  // output plane, kernel tap) that the convolution connects: xp and yp are
  // the planes' offsets, wi the tap's weight index, rows x cols the output
  // positions whose tap falls inside the input; output (oh, ow) reads input
  // row ih0 + oh*sh, column iw0 + ow*sw.
  template <typename Visit>
  void for_each_tap(Visit visit) const {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < O; ++o) {
        const int64_t g = o / Og();
        const int64_t yp = (n * O + o) * OH * OW;
        for (int64_t ic = 0; ic < Cg(); ++ic) {
          const int64_t xp = (n * C + g * Cg() + ic) * H * W;
          for (int64_t kh = 0; kh < KH; ++kh) {
            const Span rows = valid_outputs(OH, H, sh, ph, kh * dh);
            for (int64_t kw = 0; kw < KW; ++kw) {
              const Span cols = valid_outputs(OW, W, sw, pw, kw * dw);
              const int64_t wi = ((o * Cg() + ic) * KH + kh) * KW + kw;
              visit(xp, yp, wi, rows, cols, kh * dh - ph, kw * dw - pw);
            }
          }
        }
      }
  }
};

}  // namespace

HostTensor matmul(const Node& n, const HostTensor& a, const HostTensor& b) {
  HostTensor out(n.type.dtype, n.type.shape);
  const bool ta = n.b("transpose_a"), tb = n.b("transpose_b");
  const size_t ra = a.shape.rank(), rb = b.shape.rank();
  const int64_t M = out.shape[ra - 2], P = out.shape[ra - 1];
  const int64_t K = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const int64_t batches = out.numel() / (M * P);
  const bool b_shared = rb == 2;  // a rank-2 b multiplies every batch of a

  // Contiguous A[M,K] and B[K,P] for one batch; copies only when transposed.
  // The copies live in per-thread scratch that is reused from call to call:
  // fresh multi-megabyte buffers every training step cost more in page
  // faults than the copies themselves.
  thread_local std::vector<double> a_scratch, b_scratch;
  if (ta && a_scratch.size() < static_cast<size_t>(M * K)) a_scratch.resize(M * K);
  if (tb && b_scratch.size() < static_cast<size_t>(K * P)) b_scratch.resize(K * P);
  const double* B = nullptr;
  for (int64_t batch = 0; batch < batches; ++batch) {
    const double* a_src = a.data.data() + batch * M * K;
    const double* A = a_src;
    if (ta) {
      transpose_into(a_src, K, M, a_scratch.data());
      A = a_scratch.data();
    }
    if (batch == 0 || !b_shared) {
      const double* b_src = b.data.data() + (b_shared ? 0 : batch * K * P);
      B = b_src;
      if (tb) {
        transpose_into(b_src, P, K, b_scratch.data());
        B = b_scratch.data();
      }
    }
    gemm(A, B, out.data.data() + batch * M * P, M, K, P);
  }
  return out;
}

HostTensor conv2d(const Node& n, const HostTensor& x, const HostTensor& w) {
  HostTensor y(n.type.dtype, n.type.shape);
  const ConvGeometry geo(n, x.shape, w.shape, y.shape);
  const double* X = x.data.data();
  double* Y = y.data.data();
  geo.for_each_tap([&](int64_t xp, int64_t yp, int64_t wi, Span rows, Span cols, int64_t ih0, int64_t iw0) {
    const double wv = w.data[wi];
    for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
      double* __restrict y_row = Y + yp + oh * geo.OW;
      const double* __restrict x_row = X + xp + (ih0 + oh * geo.sh) * geo.W;
      for (int64_t ow = cols.lo; ow < cols.hi; ++ow) y_row[ow] += wv * x_row[iw0 + ow * geo.sw];
    }
  });
  return y;
}

HostTensor conv2d_grad_input(const Node& n, const HostTensor& dy, const HostTensor& w) {
  HostTensor dx(n.type.dtype, n.type.shape);
  const ConvGeometry geo(n, dx.shape, w.shape, dy.shape);
  const double* DY = dy.data.data();
  double* DX = dx.data.data();
  // Each forward tap y[oh,ow] += w * x[ih,iw] sends dy[oh,ow] * w back to x[ih,iw].
  geo.for_each_tap([&](int64_t xp, int64_t yp, int64_t wi, Span rows, Span cols, int64_t ih0, int64_t iw0) {
    const double wv = w.data[wi];
    for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
      const double* __restrict dy_row = DY + yp + oh * geo.OW;
      double* __restrict dx_row = DX + xp + (ih0 + oh * geo.sh) * geo.W;
      for (int64_t ow = cols.lo; ow < cols.hi; ++ow) dx_row[iw0 + ow * geo.sw] += wv * dy_row[ow];
    }
  });
  return dx;
}

HostTensor conv2d_grad_weight(const Node& n, const HostTensor& x, const HostTensor& dy) {
  HostTensor dw(n.type.dtype, n.type.shape);
  const ConvGeometry geo(n, x.shape, dw.shape, dy.shape);
  const double* X = x.data.data();
  const double* DY = dy.data.data();
  // Each forward tap y[oh,ow] += w * x[ih,iw] contributes x[ih,iw] * dy[oh,ow] to w.
  geo.for_each_tap([&](int64_t xp, int64_t yp, int64_t wi, Span rows, Span cols, int64_t ih0, int64_t iw0) {
    double acc = 0;
    for (int64_t oh = rows.lo; oh < rows.hi; ++oh) {
      const double* dy_row = DY + yp + oh * geo.OW;
      const double* x_row = X + xp + (ih0 + oh * geo.sh) * geo.W;
      for (int64_t ow = cols.lo; ow < cols.hi; ++ow) acc += x_row[iw0 + ow * geo.sw] * dy_row[ow];
    }
    dw.data[wi] += acc;
  });
  return dw;
}

}  // namespace graphc::runtime::interp
