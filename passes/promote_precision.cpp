#include "passes/promote_precision.h"

#include "passes/graph_rebuild.h"

namespace graphc::passes {

Graph promote_to_f64(const Graph& g) {
  GraphRebuild r(g);
  Graph& out = r.new_graph();
  for (size_t i = 0; i < g.size(); ++i) {
    ValueId v = static_cast<ValueId>(i);
    Node n = g.node(v);
    if (n.type.dtype == DType::f32) n.type.dtype = DType::f64;
    if (n.op == OpKind::cast && n.dtype_attr("dtype") == DType::f32) n.attrs["dtype"] = DType::f64;
    ValueId promoted = append_like(out, n, r.mapped_operands(v));
    if (out.type(promoted).dtype == DType::f32) promoted = out.add(OpKind::cast, {promoted}, {{"dtype", DType::f64}});
    r.map(v, promoted);
  }
  return r.finish();
}

}  // namespace graphc::passes
