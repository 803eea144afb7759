// Movement kernels: no arithmetic, only where each element goes. Each is a
// strided walk: the output (or, for pad, the input) is visited in row-major
// order while an affine offset into the other tensor advances in step.
#include <algorithm>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

namespace {

// Calls visit(e, offset) for every element e of `shape` in row-major order,
// where offset = base + sum(index[axis] * stride[axis]).
template <typename Visit>
void strided_walk(const Shape& shape, int64_t base, const std::vector<int64_t>& stride, Visit visit) {
  const size_t rank = shape.rank();
  const int64_t total = shape.numel(1);
  std::vector<int64_t> index(rank, 0);
  int64_t offset = base;
  for (int64_t e = 0; e < total; ++e) {
    visit(e, offset);
    for (size_t axis = rank; axis-- > 0;) {
      offset += stride[axis];
      if (++index[axis] < shape[axis]) break;
      offset -= stride[axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

HostTensor gather(const Node& n, const HostTensor& x, int64_t base, const std::vector<int64_t>& stride) {
  HostTensor out(n.type.dtype, n.type.shape);
  strided_walk(out.shape, base, stride, [&](int64_t e, int64_t offset) { out.data[e] = x.data[offset]; });
  return out;
}

}  // namespace

HostTensor reshape(const Node& n, const HostTensor& x) { return HostTensor(n.type.dtype, n.type.shape, x.data); }

HostTensor transpose(const Node& n, const HostTensor& x) {
  // out.dim[i] = in.dim[perm[i]], so stepping output axis i steps input axis perm[i].
  const auto& perm = n.ints("perm");
  std::vector<int64_t> in_strides = row_major_strides(x.shape), stride(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) stride[i] = in_strides[perm[i]];
  return gather(n, x, 0, stride);
}

HostTensor broadcast(const Node& n, const HostTensor& x) {
  return gather(n, x, 0, broadcast_strides(x.shape, n.type.shape));
}

HostTensor slice(const Node& n, const HostTensor& x) {
  const auto &begin = n.ints("begin"), &step = n.ints("step");
  std::vector<int64_t> in_strides = row_major_strides(x.shape), stride(x.shape.rank());
  int64_t base = 0;
  for (size_t i = 0; i < stride.size(); ++i) {
    base += begin[i] * in_strides[i];
    stride[i] = in_strides[i] * step[i];
  }
  return gather(n, x, base, stride);
}

HostTensor pad(const Node& n, const HostTensor& x) {
  HostTensor out(n.type.dtype, n.type.shape);
  std::fill(out.data.begin(), out.data.end(), n.f("value"));
  // Walk the input; its element lands `low` further along every output axis.
  const auto& low = n.ints("low");
  std::vector<int64_t> stride = row_major_strides(out.shape);
  int64_t base = 0;
  for (size_t i = 0; i < stride.size(); ++i) base += low[i] * stride[i];
  strided_walk(x.shape, base, stride, [&](int64_t e, int64_t offset) { out.data[offset] = x.data[e]; });
  return out;
}

HostTensor concat(const Node& n, const std::vector<const HostTensor*>& xs) {
  HostTensor out(n.type.dtype, n.type.shape);
  const int64_t axis = n.i("axis");
  // Every operand viewed as [outer, its own axis length * inner].
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= out.shape[i];
  for (size_t i = axis + 1; i < out.shape.rank(); ++i) inner *= out.shape[i];
  const int64_t out_row = out.shape[axis] * inner;
  int64_t column = 0;  // where the current operand starts within an output row
  for (const HostTensor* x : xs) {
    const int64_t row = x->shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::copy_n(x->data.begin() + o * row, row, out.data.begin() + o * out_row + column);
    column += row;
  }
  return out;
}

}  // namespace graphc::runtime::interp
