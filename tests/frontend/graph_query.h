// Helpers for tests that check a built graph as a reader would by hand: the
// parameter table, and any value written out as a nested expression
// ("add(mul(0.9, bn.running_mean), mul(0.1, ...))") so that a test states the
// arithmetic a layer must record, not just its shape.
#pragma once

#include <string>
#include <vector>

#include "frontend/builder.h"
#include "ir/graph.h"

namespace graphc::testing_util {

inline std::vector<std::string> parameter_names(const Graph& g) {
  std::vector<std::string> names;
  for (ValueId p : g.parameters()) names.push_back(g.node(p).s("name"));
  return names;
}

inline const Node& parameter_node(const Graph& g, const std::string& name) {
  auto p = g.find_parameter(name);
  GRAPHC_ASSERT(p, "no parameter ", name);
  return g.node(*p);
}

inline Shape parameter_shape(const Graph& g, const std::string& name) { return parameter_node(g, name).type.shape; }
inline bool is_trainable(const Graph& g, const std::string& name) { return parameter_node(g, name).b("trainable"); }
inline std::string init_of(const Graph& g, const std::string& name) { return g.init_of(*g.find_parameter(name)).str(); }

inline int count_ops(const Graph& g, OpKind k) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == k;
  return n;
}

inline std::vector<std::string> output_names(const Graph& g, OutputRole role) {
  std::vector<std::string> names;
  for (const Output& o : g.outputs())
    if (o.role == role) names.push_back(o.name);
  return names;
}

// Sources print as their name (inputs, parameters), value (constants) or N
// (batch_size); every other op as op(operands...), attributes left out.
inline std::string expr(const Graph& g, ValueId v) {
  const Node& n = g.node(v);
  if (n.op == OpKind::input || n.op == OpKind::parameter) return n.s("name");
  if (n.op == OpKind::constant) return attr_str(n.attrs.at("value"), AttrType::f64);
  if (n.op == OpKind::batch_size) return "N";
  std::string s = std::string(op_name(n.op)) + "(";
  for (size_t i = 0; i < n.operands.size(); ++i) {
    if (i) s += ", ";
    s += expr(g, n.operands[i]);
  }
  return s + ")";
}
inline std::string expr(Tensor t) { return expr(t.builder().graph(), t.id()); }
inline std::string output_expr(const Graph& g, const std::string& name) {
  const Output* o = g.find_output(name);
  GRAPHC_ASSERT(o, "no output ", name);
  return expr(g, o->value);
}

}  // namespace graphc::testing_util
