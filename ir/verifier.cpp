#include "ir/verifier.h"

#include <set>

#include "ir/shape_inference.h"

namespace graphc {

void verify(const Graph& g) {
  std::set<std::string> inputs, params, outputs;
  for (size_t i = 0; i < g.size(); ++i) {
    const Node& n = g.nodes()[i];
    auto where = [&] { return cat("%", i, " = ", op_name(n.op), ": "); };
    try {
      check_signature(n);
      std::vector<TensorType> in;
      for (ValueId v : n.operands) {
        if (v < 0 || static_cast<size_t>(v) >= i) throw Error(cat("operand %", v, " is not defined before use"));
        in.push_back(g.nodes()[v].type);
      }
      TensorType t = infer_type(n, in);
      if (!(t == n.type)) throw Error(cat("recorded type ", n.type.str(), " but shape inference gives ", t.str()));
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
    if (n.op == OpKind::input && !inputs.insert(n.s("name")).second)
      throw Error(cat(where(), "input name '", n.s("name"), "' is used twice"));
    if (n.op == OpKind::parameter && !params.insert(n.s("name")).second)
      throw Error(cat(where(), "parameter name '", n.s("name"), "' is used twice"));
  }
  for (const auto& o : g.outputs()) {
    if (o.value < 0 || static_cast<size_t>(o.value) >= g.size())
      throw Error(cat("output '", o.name, "' refers to undefined value %", o.value));
    if (!outputs.insert(o.name).second) throw Error(cat("output name '", o.name, "' is used twice"));
  }
}

}  // namespace graphc
