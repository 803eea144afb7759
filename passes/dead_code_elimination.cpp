#include "passes/dead_code_elimination.h"

#include <algorithm>

#include "passes/graph_rebuild.h"

namespace graphc::passes {

bool eliminate_dead_code(Graph& g) {
  std::vector<bool> live(g.size(), false);
  for (const Output& o : g.outputs()) live[o.value] = true;
  for (size_t v = g.size(); v-- > 0;) {
    const Node& n = g.nodes()[v];
    if (n.op == OpKind::input || n.op == OpKind::parameter) live[v] = true;
    if (!live[v]) continue;
    for (ValueId operand : n.operands) live[operand] = true;
  }
  if (std::find(live.begin(), live.end(), false) == live.end()) return false;

  GraphRebuild r(g);
  for (size_t v = 0; v < g.size(); ++v)
    if (live[v]) r.copy(static_cast<ValueId>(v));
  g = r.finish();
  return true;
}

}  // namespace graphc::passes
