#include "passes/graph_rebuild.h"

namespace graphc::passes {

GraphRebuild::GraphRebuild(const Graph& old) : old_(&old), new_(old.name()), map_(old.size(), -1) {}

ValueId GraphRebuild::mapped(ValueId old_value) const {
  GRAPHC_ASSERT(old_value >= 0 && static_cast<size_t>(old_value) < map_.size() && map_[old_value] >= 0,
                "value %", old_value, " is used before it is mapped");
  return map_[old_value];
}

std::vector<ValueId> GraphRebuild::mapped_operands(ValueId old_value) const {
  std::vector<ValueId> ops;
  for (ValueId v : old_->node(old_value).operands) ops.push_back(mapped(v));
  return ops;
}

void GraphRebuild::map(ValueId old_value, ValueId new_value) {
  GRAPHC_ASSERT(new_value >= 0 && static_cast<size_t>(new_value) < new_.size(), "no new value %", new_value);
  map_[old_value] = new_value;
}

ValueId GraphRebuild::copy(ValueId old_value) {
  ValueId v = append_like(new_, old_->node(old_value), mapped_operands(old_value));
  map(old_value, v);
  return v;
}

Graph GraphRebuild::finish() {
  for (const Output& o : old_->outputs()) new_.add_output(o.name, mapped(o.value), o.role);
  return std::move(new_);
}

ValueId append_like(Graph& g, const Node& n, std::vector<ValueId> operands) {
  switch (op_info(n.op).cls) {
    case OpClass::source:
      if (n.op != OpKind::batch_size) return g.add_typed(n.op, std::move(operands), n.attrs, n.type);
      break;
    case OpClass::elementwise:
    case OpClass::reduction:
    case OpClass::movement:
    case OpClass::contraction:
    case OpClass::other: break;
  }
  return g.add(n.op, std::move(operands), n.attrs);
}

}  // namespace graphc::passes
