#include "passes/common_subexpression_elimination.h"

#include <cmath>
#include <map>
#include <tuple>

#include "passes/graph_rebuild.h"

namespace graphc::passes {

namespace {

struct NodeKey {
  OpKind op;
  std::vector<ValueId> operands;
  AttrMap attrs;
  DType dtype;
  std::vector<int64_t> dims;
  bool operator<(const NodeKey& o) const {
    return std::tie(op, operands, attrs, dtype, dims) < std::tie(o.op, o.operands, o.attrs, o.dtype, o.dims);
  }
};

bool has_nan(const AttrMap& attrs) {
  for (const auto& [name, value] : attrs) {
    if (const double* d = std::get_if<double>(&value); d && std::isnan(*d)) return true;
    if (const auto* v = std::get_if<std::vector<double>>(&value))
      for (double x : *v)
        if (std::isnan(x)) return true;
  }
  return false;
}

}  // namespace

bool eliminate_common_subexpressions(Graph& g) {
  GraphRebuild r(g);
  std::map<NodeKey, ValueId> seen;
  bool merged = false;
  for (size_t i = 0; i < g.size(); ++i) {
    ValueId v = static_cast<ValueId>(i);
    const Node& n = g.node(v);
    if (n.op == OpKind::input || n.op == OpKind::parameter || has_nan(n.attrs)) {
      r.copy(v);
      continue;
    }
    NodeKey key{n.op, r.mapped_operands(v), n.attrs, n.type.dtype, n.type.shape.dims()};
    if (auto it = seen.find(key); it != seen.end()) {
      r.map(v, it->second);
      merged = true;
      continue;
    }
    seen.emplace(std::move(key), r.copy(v));
  }
  if (!merged) return false;
  g = r.finish();
  return true;
}

}  // namespace graphc::passes
