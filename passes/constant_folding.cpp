#include "passes/constant_folding.h"

#include <cmath>
#include <limits>
#include <optional>

#include "ir/elementwise_math.h"
#include "passes/graph_rebuild.h"

namespace graphc::passes {

namespace {

// The value of scalar op n on scalar operands a, or nullopt when the op is
// not foldable (sources, tensors, randomness).
std::optional<double> evaluate(const Node& n, const std::vector<double>& a) {
  switch (n.info().cls) {
    case OpClass::elementwise: return elementwise_math(n.op, a[0], a.size() > 1 ? a[1] : 0, a.size() > 2 ? a[2] : 0);
    // A scalar reduced, reshaped or broadcast to a scalar is itself.
    case OpClass::reduction:
      return n.op == OpKind::argmax ? std::nullopt : std::optional<double>(a[0]);
    case OpClass::movement: return n.operands.size() == 1 ? std::optional<double>(a[0]) : std::nullopt;
    // Never scalar-on-scalars, or not a function of the operands.
    case OpClass::source:
    case OpClass::contraction:
    case OpClass::other: return std::nullopt;
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
