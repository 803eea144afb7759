// Elementwise kernels: how operands are walked under numpy broadcasting. The
// per-element formulas live in the dispatch (interpreter.cpp) so that every
// op's arithmetic is readable in one table.
#include <cmath>

#include "ir/elementwise_math.h"
#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

std::vector<int64_t> row_major_strides(const Shape& s) {
  std::vector<int64_t> strides(s.rank(), 1);
  for (size_t i = s.rank(); i-- > 1;) strides[i - 1] = strides[i] * s[i];
  return strides;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  GRAPHC_ASSERT(in.rank() <= out.rank(), "cannot broadcast ", in.str(), " to ", out.str());
  const size_t lead = out.rank() - in.rank();
  std::vector<int64_t> in_strides = row_major_strides(in), stride(out.rank(), 0);
  for (size_t i = lead; i < out.rank(); ++i) {
    const int64_t d = in[i - lead];
    GRAPHC_ASSERT(d == out[i] || d == 1, "cannot broadcast ", in.str(), " to ", out.str());
    stride[i] = d == 1 ? 0 : in_strides[i - lead];
  }
  return stride;
}

namespace {
// Stride along the last axis of `out` from broadcast_strides' result.
int64_t row_stride(const std::vector<int64_t>& strides) { return strides.empty() ? 0 : strides.back(); }
int64_t row_length(const Shape& out) { return out.rank() == 0 ? 1 : out[out.rank() - 1]; }
}  // namespace

HostTensor map_unary(const Node& n, const HostTensor& x) {
  const OpKind k = n.op;
  auto f = [k](double v) { return *elementwise_math(k, v); };
  HostTensor out(n.type.dtype, n.type.shape);
  for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = f(x.data[e]);
  return out;
}

HostTensor map_binary(const Node& n, const HostTensor& a, const HostTensor& b) {
  const OpKind k = n.op;
  auto f = [k](double p, double q) { return *elementwise_math(k, p, q); };
  HostTensor out(n.type.dtype, n.type.shape);
  if (a.shape == out.shape && b.shape == out.shape) {
    for (int64_t e = 0; e < out.numel(); ++e) out.data[e] = f(a.data[e], b.data[e]);
    return out;
  }
  const std::array<std::vector<int64_t>, 2> strides{broadcast_strides(a.shape, out.shape),
                                                    broadcast_strides(b.shape, out.shape)};
  const int64_t length = row_length(out.shape), sa = row_stride(strides[0]), sb = row_stride(strides[1]);
  for_each_row(out.shape, strides, [&](int64_t first, const std::array<int64_t, 2>& offset) {
    const double* pa = a.data.data() + offset[0];
    const double* pb = b.data.data() + offset[1];
    double* po = out.data.data() + first;
    for (int64_t j = 0; j < length; ++j) po[j] = f(pa[j * sa], pb[j * sb]);
  });
  return out;
}

HostTensor select(const Node& n, const HostTensor& cond, const HostTensor& a, const HostTensor& b) {
  HostTensor out(n.type.dtype, n.type.shape);
  const std::array<std::vector<int64_t>, 3> strides{broadcast_strides(cond.shape, out.shape),
                                                    broadcast_strides(a.shape, out.shape),
                                                    broadcast_strides(b.shape, out.shape)};
  const int64_t length = row_length(out.shape), sc = row_stride(strides[0]), sa = row_stride(strides[1]),
                sb = row_stride(strides[2]);
  for_each_row(out.shape, strides, [&](int64_t first, const std::array<int64_t, 3>& offset) {
    const double* pc = cond.data.data() + offset[0];
    const double* pa = a.data.data() + offset[1];
    const double* pb = b.data.data() + offset[2];
    double* po = out.data.data() + first;
    for (int64_t j = 0; j < length; ++j) po[j] = pc[j * sc] != 0 ? pa[j * sa] : pb[j * sb];
  });
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
