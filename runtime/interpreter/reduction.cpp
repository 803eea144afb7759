// Reduction kernels. Maxima propagate NaN and argmax takes the first maximum
// (a NaN counting as the maximum), as PyTorch does, so that comparisons with
// PyTorch-trained references hold even on degenerate values.
#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

namespace {

// Folds every element of x into the output element it reduces to:
// acc(out_value, x_value). Output starts at `init`.
template <typename Fold>
HostTensor reduce(const Node& n, const HostTensor& x, double init, Fold fold) {
  HostTensor out(n.type.dtype, n.type.shape);
  std::fill(out.data.begin(), out.data.end(), init);
  const Shape& in = x.shape;
  const size_t rank = in.rank();
  // The output as if keepdims were set; reduced axes get stride 0.
  std::vector<int64_t> kept = in.dims();
  for (int64_t a : n.ints("axes")) kept[a] = 1;
  std::vector<int64_t> stride = row_major_strides(Shape(kept));
  for (int64_t a : n.ints("axes")) stride[a] = 0;

  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t e = 0; e < x.numel(); ++e) {
    out.data[offset] = fold(out.data[offset], x.data[e]);
    for (size_t axis = rank; axis-- > 0;) {
      offset += stride[axis];
      if (++index[axis] < in[axis]) break;
      offset -= stride[axis] * in[axis];
      index[axis] = 0;
    }
  }
  return out;
}

bool beats(double candidate, double best) { return candidate > best || (std::isnan(candidate) && !std::isnan(best)); }

}  // namespace

HostTensor reduce_sum(const Node& n, const HostTensor& x) {
  return reduce(n, x, 0.0, [](double acc, double v) { return acc + v; });
}

HostTensor reduce_max(const Node& n, const HostTensor& x) {
  return reduce(n, x, -std::numeric_limits<double>::infinity(),
                [](double acc, double v) { return beats(v, acc) ? v : acc; });
}

HostTensor argmax(const Node& n, const HostTensor& x) {
  HostTensor out(n.type.dtype, n.type.shape);
  const int64_t axis = n.i("axis");
  // x viewed as [outer, len, inner] around the reduced axis.
  int64_t outer = 1, inner = 1;
  const int64_t len = x.shape[axis];
  for (int64_t i = 0; i < axis; ++i) outer *= x.shape[i];
  for (size_t i = axis + 1; i < x.shape.rank(); ++i) inner *= x.shape[i];
  for (int64_t o = 0; o < outer; ++o) {
    const double* slab = x.data.data() + o * len * inner;
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k)
        if (beats(slab[k * inner + i], slab[best * inner + i])) best = k;
      out.data[o * inner + i] = static_cast<double>(best);
    }
  }
  return out;
}

}  // namespace graphc::runtime::interp
