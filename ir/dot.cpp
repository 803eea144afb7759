// DOT text for a graph; see dot.h for what is drawn and why.
#include "ir/dot.h"

namespace graphc {

namespace {

// Text inside a double-quoted DOT string; "\n" is DOT's centred line break.
std::string quoted(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (c == '\n') {
      r += "\\n";
      continue;
    }
    r += c;
  }
  return r + "\"";
}

std::string node_label(const Node& n, ValueId id) {
  std::string head = cat("%", id, " ", op_name(n.op));
  if (n.op == OpKind::input) head += cat(" ", n.s("name"), " (", n.s("role"), ")");
  if (n.op == OpKind::parameter) {
    head = cat("%", id, " param ", n.s("name"));
    if (!n.b("trainable")) head += " frozen";
  }
  std::string label = head + "\n" + n.type.str();
  if (n.op == OpKind::parameter) return label + "\n" + InitSpec{n.s("init"), n.floats("init_args")}.str();
  if (n.op == OpKind::input || n.attrs.empty()) return label;
  label += "\n";
  bool first = true;
  for (const auto& spec : n.info().attrs) {
    if (!first) label += ", ";
    first = false;
    label += cat(spec.name, "=", attr_str(n.attrs.at(std::string(spec.name)), spec.type));
  }
  return label;
}

// Where data enters the graph stands out from the computation.
std::string node_style(OpKind op) {
  if (op == OpKind::input) return ", shape=invhouse, style=filled, fillcolor=\"#d6eaf8\"";
  if (op == OpKind::parameter) return ", style=\"filled,rounded\", fillcolor=\"#fdebd0\"";
  if (op_info(op).cls == OpClass::source) return ", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"";
  return "";
}

}  // namespace

std::string graph_to_dot(const Graph& g) {
  std::string s = "digraph " + quoted(g.name()) + " {\n";
  s += "  node [shape=box, fontname=\"monospace\", fontsize=10];\n";
  for (size_t i = 0; i < g.size(); ++i) {
    const Node& n = g.nodes()[i];
    s += cat("  n", i, " [label=", quoted(node_label(n, static_cast<ValueId>(i))), node_style(n.op), "];\n");
    for (size_t k = 0; k < n.operands.size(); ++k) {
      s += cat("  n", n.operands[k], " -> n", i);
      if (n.operands.size() > 1) s += cat(" [label=\"", k, "\"]");
      s += ";\n";
    }
  }
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const Output& o = g.outputs()[k];
    std::string label = cat("output ", o.name, " (", output_role_name(o.role), ")");
    s += cat("  out", k, " [label=", quoted(label), ", shape=house, style=filled, fillcolor=\"#d5f5e3\"];\n");
    s += cat("  n", o.value, " -> out", k, ";\n");
  }
  return s + "}\n";
}

}  // namespace graphc
