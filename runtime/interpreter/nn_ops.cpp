// Softmax, log-softmax, cross-entropy, one-hot and dropout masks: the ops
// that exist for numerical stability or randomness rather than as plain
// arithmetic. Softmaxes subtract the maximum before exponentiating.
//
// dropout_mask, the definition every backend reproduces: element i (row-major
// over `shape`) is 1/(1-p) when philox_uniform(seed, stream, i) >= p and 0
// otherwise, with seed the i64 operand's value (as uint64) and stream the
// attribute. philox_uniform is m / 2^24 for an integer m, so the test is the
// same as m >= ceil(p * 2^24): a backend may compare integers with that
// threshold instead of comparing floats (p rounded to f32 would differ).
#include <cmath>
#include <limits>

#include "runtime/interpreter/kernels.h"
#include "runtime/philox.h"

namespace graphc::runtime::interp {

namespace {

// x viewed as [outer, len, inner] around `axis`; calls row(first, stride)
// for every line along the axis, with element k at first + k * stride.
template <typename Row>
void for_each_line(const Shape& s, int64_t axis, Row row) {
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= s[i];
  for (size_t i = axis + 1; i < s.rank(); ++i) inner *= s[i];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) row(o * s[axis] * inner + i, inner);
}

struct LineStats {
  double max, sum_exp;  // sum of exp(x - max)
};

LineStats line_stats(const double* x, int64_t len, int64_t stride) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t k = 0; k < len; ++k) {
    double v = x[k * stride];
    if (v > m || std::isnan(v)) m = v;
  }
  double s = 0;
  for (int64_t k = 0; k < len; ++k) s += std::exp(x[k * stride] - m);
  return {m, s};
}

}  // namespace

HostTensor softmax(const Node& n, const HostTensor& x) {
  HostTensor out(n.type.dtype, n.type.shape);
  const int64_t axis = n.i("axis"), len = x.shape[axis];
  for_each_line(x.shape, axis, [&](int64_t first, int64_t stride) {
    const double* in = x.data.data() + first;
    LineStats st = line_stats(in, len, stride);
    for (int64_t k = 0; k < len; ++k) out.data[first + k * stride] = std::exp(in[k * stride] - st.max) / st.sum_exp;
  });
  return out;
}

HostTensor log_softmax(const Node& n, const HostTensor& x) {
  HostTensor out(n.type.dtype, n.type.shape);
  const int64_t axis = n.i("axis"), len = x.shape[axis];
  for_each_line(x.shape, axis, [&](int64_t first, int64_t stride) {
    const double* in = x.data.data() + first;
    LineStats st = line_stats(in, len, stride);
    const double log_sum = std::log(st.sum_exp);
    for (int64_t k = 0; k < len; ++k) out.data[first + k * stride] = in[k * stride] - st.max - log_sum;
  });
  return out;
}

HostTensor softmax_cross_entropy(const Node& n, const HostTensor& logits, const HostTensor& labels) {
  HostTensor out(n.type.dtype, n.type.shape);
  // logits[B,C], labels[B] -> loss[B] = logsumexp(row) - row[label]
  const int64_t rows = logits.shape[0], classes = logits.shape[1];
  for (int64_t r = 0; r < rows; ++r) {
    const double label = labels.data[r];
    if (!(label >= 0 && label < static_cast<double>(classes)))
      throw Error(cat("label ", static_cast<int64_t>(label), " in row ", r, " is outside [0, ", classes, ")"));
    const double* row = logits.data.data() + r * classes;
    LineStats st = line_stats(row, classes, 1);
    out.data[r] = st.max + std::log(st.sum_exp) - row[static_cast<int64_t>(label)];
  }
  return out;
}

HostTensor one_hot(const Node& n, const HostTensor& labels) {
  HostTensor out(n.type.dtype, n.type.shape);
  const int64_t classes = n.i("classes");
  for (int64_t r = 0; r < labels.numel(); ++r) {
    const double label = labels.data[r];
    if (label >= 0 && label < static_cast<double>(classes)) out.data[r * classes + static_cast<int64_t>(label)] = 1.0;
  }
  return out;
}

HostTensor dropout_mask(const Node& n, const HostTensor& seed) {
  HostTensor out(n.type.dtype, n.type.shape);
  const auto seed_value = static_cast<uint64_t>(static_cast<int64_t>(seed.data[0]));
  const auto stream = static_cast<uint64_t>(n.i("stream"));
  const double p = n.f("p"), keep = 1.0 / (1.0 - p);
  for (int64_t e = 0; e < out.numel(); ++e)
    out.data[e] = static_cast<double>(philox_uniform(seed_value, stream, static_cast<uint64_t>(e))) >= p ? keep : 0.0;
  return out;
}

}  // namespace graphc::runtime::interp
