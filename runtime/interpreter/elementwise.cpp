// Elementwise kernels: how operands are walked under numpy broadcasting. The
// per-element formulas live in the dispatch (interpreter.cpp) so that every
// op's arithmetic is readable in one table.
#include <algorithm>
#include <cmath>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

std::vector<int64_t> row_major_strides(const Shape& s) {
  std::vector<int64_t> strides(s.rank(), 1);
  for (size_t i = s.rank(); i-- > 1;) strides[i - 1] = strides[i] * s[i];
  return strides;
}

std::vector<int64_t> broadcast_offsets(const Shape& in, const Shape& out) {
  const size_t rank = out.rank(), lead = rank - in.rank();
  GRAPHC_ASSERT(in.rank() <= rank, "cannot broadcast ", in.str(), " to ", out.str());
  // Stride of `in` along each output axis; 0 where `in` is missing or 1 (repeated).
  std::vector<int64_t> in_strides = row_major_strides(in), stride(rank, 0);
  for (size_t i = lead; i < rank; ++i) {
    int64_t d = in[i - lead];
    GRAPHC_ASSERT(d == out[i] || d == 1, "cannot broadcast ", in.str(), " to ", out.str());
    stride[i] = d == 1 ? 0 : in_strides[i - lead];
  }
  const int64_t total = out.numel(1);
  std::vector<int64_t> offsets(static_cast<size_t>(total));
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t e = 0; e < total; ++e) {
    offsets[e] = offset;
    // Odometer increment of `index`, keeping `offset` in step.
    for (size_t axis = rank; axis-- > 0;) {
      offset += stride[axis];
      if (++index[axis] < out[axis]) break;
      offset -= stride[axis] * out[axis];
      index[axis] = 0;
    }
  }
  return offsets;
}

namespace {
// The values of x as laid out over `out`: x's own data when no broadcasting
// is needed, otherwise a broadcast copy.
std::vector<double> spread(const HostTensor& x, const Shape& out) {
  if (x.shape == out) return x.data;
  std::vector<double> r(static_cast<size_t>(out.numel(1)));
  if (x.numel() == 1) {
    std::fill(r.begin(), r.end(), x.data[0]);
    return r;
  }
  std::vector<int64_t> offsets = broadcast_offsets(x.shape, out);
  for (size_t e = 0; e < r.size(); ++e) r[e] = x.data[offsets[e]];
  return r;
}
}  // namespace

HostTensor map_unary(const Node& n, const HostTensor& x, UnaryFn f) {
  HostTensor out(n.type.dtype, n.type.shape);
  for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = f(x.data[e]);
  return out;
}

HostTensor map_binary(const Node& n, const HostTensor& a, const HostTensor& b, BinaryFn f) {
  HostTensor out(n.type.dtype, n.type.shape);
  const bool a_whole = a.shape == out.shape, b_whole = b.shape == out.shape;
  if (a_whole && b_whole) {
    for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = f(a.data[e], b.data[e]);
  } else if (a_whole) {
    std::vector<double> bs = spread(b, out.shape);
    for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = f(a.data[e], bs[e]);
  } else {
    std::vector<double> as = spread(a, out.shape), bs = spread(b, out.shape);
    for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = f(as[e], bs[e]);
  }
  return out;
}

HostTensor select(const Node& n, const HostTensor& cond, const HostTensor& a, const HostTensor& b) {
  HostTensor out(n.type.dtype, n.type.shape);
  std::vector<double> cs = spread(cond, out.shape), as = spread(a, out.shape), bs = spread(b, out.shape);
  for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = cs[e] != 0 ? as[e] : bs[e];
  return out;
}

HostTensor cast(const Node& n, const HostTensor& x) {
  HostTensor out(n.type.dtype, n.type.shape);
  const DType to = n.type.dtype;
  for (int64_t e = 0; e < out.numel(); ++e) {
    double v = x.data[e];
    // bool sources already hold 0/1; NaN is "not zero", hence true, as in PyTorch.
    if (to == DType::boolean)
      v = v != 0 ? 1.0 : 0.0;
    else if (is_integer(to))
      v = std::trunc(v);
    out.data[e] = v;
  }
  return out;
}

}  // namespace graphc::runtime::interp
