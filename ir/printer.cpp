#include "ir/printer.h"

namespace graphc {

std::string print_node(const Graph& g, ValueId v) {
  const Node& n = g.node(v);
  std::string id = cat("%", v);
  switch (n.op) {
    case OpKind::input: return cat("input ", id, " ", n.s("name"), " : ", n.type.str(), " (", n.s("role"), ")");
    case OpKind::parameter:
      return cat("param ", id, " ", n.s("name"), " : ", n.type.str(), " = ", g.init_of(v).str(),
                 n.b("trainable") ? "" : " frozen");
    default: break;
  }
  std::string s = cat(id, " = ", op_name(n.op), "(");
  for (size_t i = 0; i < n.operands.size(); ++i) s += cat(i ? ", " : "", "%", n.operands[i]);
  s += ")";
  if (!n.attrs.empty()) {
    s += " {";
    bool first = true;
    for (const auto& spec : n.info().attrs) {
      s += cat(first ? "" : ", ", spec.name, "=", attr_str(n.attrs.at(std::string(spec.name)), spec.type));
      first = false;
    }
    s += "}";
  }
  return s + " : " + n.type.str();
}

std::string print_graph(const Graph& g) {
  std::string s = "graph " + g.name() + "\n";
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < g.size(); ++i) {
      bool is_arg = g.nodes()[i].op == OpKind::input || g.nodes()[i].op == OpKind::parameter;
      if (is_arg == (pass == 0)) s += "  " + print_node(g, static_cast<ValueId>(i)) + "\n";
    }
  for (const auto& o : g.outputs()) s += cat("  output ", o.name, " = %", o.value, " (", output_role_name(o.role), ")\n");
  return s;
}

}  // namespace graphc
