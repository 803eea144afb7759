#include "passes/constant_folding.h"

#include <cmath>
#include <limits>
#include <optional>

#include "passes/graph_rebuild.h"

namespace graphc::passes {

namespace {

// The value of scalar op n on scalar operands a, or nullopt when the op is
// not foldable (sources, tensors, randomness).
std::optional<double> evaluate(const Node& n, const std::vector<double>& a) {
  switch (n.op) {
    case OpKind::neg: return -a[0];
    case OpKind::exp: return std::exp(a[0]);
    case OpKind::log: return std::log(a[0]);
    case OpKind::sqrt: return std::sqrt(a[0]);
    case OpKind::rsqrt: return 1 / std::sqrt(a[0]);
    case OpKind::tanh: return std::tanh(a[0]);
    case OpKind::sigmoid: return 1 / (1 + std::exp(-a[0]));
    case OpKind::relu: return a[0] > 0 ? a[0] : 0.0;
    case OpKind::abs: return std::fabs(a[0]);
    case OpKind::cast: return a[0];  // rounded to the target dtype below
    case OpKind::add: return a[0] + a[1];
    case OpKind::sub: return a[0] - a[1];
    case OpKind::mul: return a[0] * a[1];
    case OpKind::div: return a[0] / a[1];
    case OpKind::max: return a[0] >= a[1] ? a[0] : a[1];
    case OpKind::min: return a[0] <= a[1] ? a[0] : a[1];
    case OpKind::pow: return std::pow(a[0], a[1]);
    case OpKind::eq: return a[0] == a[1];
    case OpKind::ne: return a[0] != a[1];
    case OpKind::lt: return a[0] < a[1];
    case OpKind::le: return a[0] <= a[1];
    case OpKind::gt: return a[0] > a[1];
    case OpKind::ge: return a[0] >= a[1];
    case OpKind::select: return a[0] != 0 ? a[1] : a[2];
    // A scalar reduced, reshaped or broadcast to a scalar is itself.
    case OpKind::reduce_sum:
    case OpKind::reduce_max:
    case OpKind::reshape:
    case OpKind::transpose:
    case OpKind::broadcast:
    case OpKind::slice:
    case OpKind::pad:
    case OpKind::concat: return n.operands.size() == 1 ? std::optional<double>(a[0]) : std::nullopt;
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::argmax:
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight:
    case OpKind::max_pool2d:
    case OpKind::max_pool2d_grad:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad:
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::softmax_cross_entropy:
    case OpKind::one_hot:
    case OpKind::dropout_mask: return std::nullopt;  // never scalar-on-scalars, or not a function of operands
  }
  return std::nullopt;
}

// v as a value of dtype t would hold it, or nullopt if t cannot hold it.
std::optional<double> round_to(double v, DType t) {
  if (!std::isfinite(v)) return std::nullopt;
  switch (t) {
    case DType::f64: return v;
    case DType::f32: {
      if (std::fabs(v) > std::numeric_limits<float>::max()) return std::nullopt;
      return static_cast<double>(static_cast<float>(v));
    }
    case DType::f16:
    case DType::bf16: return std::nullopt;
    case DType::boolean: return v != 0 ? 1.0 : 0.0;
    case DType::i32:
    case DType::i64:
    case DType::u8: {
      double lo = t == DType::u8 ? 0.0 : t == DType::i32 ? -2147483648.0 : -9.2e18;
      double hi = t == DType::u8 ? 255.0 : t == DType::i32 ? 2147483647.0 : 9.2e18;
      double truncated = std::trunc(v);
      if (truncated < lo || truncated > hi) return std::nullopt;
      return truncated;
    }
  }
  return std::nullopt;
}

}  // namespace

bool fold_constants(Graph& g) {
  GraphRebuild r(g);
  Graph& out = r.new_graph();
  bool folded = false;
  for (size_t i = 0; i < g.size(); ++i) {
    ValueId v = static_cast<ValueId>(i);
    const Node& n = g.node(v);
    std::vector<ValueId> operands = r.mapped_operands(v);
    std::vector<double> values;
    for (ValueId o : operands)
      if (out.node(o).op == OpKind::constant) values.push_back(out.node(o).f("value"));
    bool all_constant = !operands.empty() && values.size() == operands.size();
    std::optional<double> value;
    if (all_constant && n.type.shape.rank() == 0) value = evaluate(n, values);
    if (value) value = round_to(*value, n.type.dtype);
    if (!value) {
      r.copy(v);
      continue;
    }
    r.map(v, out.add_constant(*value, n.type.dtype));
    folded = true;
  }
  if (!folded) return false;
  g = r.finish();
  return true;
}

}  // namespace graphc::passes
