// Graph is append-only SSA, so a pass that rewrites a graph builds a new one:
// it walks the old nodes in order, decides which value of the new graph stands
// for each old value (a copy, an earlier equal value, a rewritten expression),
// and finally re-points the outputs. GraphRebuild keeps that old -> new map so
// every pass does not re-invent it.
//
// Assumes: the old graph is well formed (operands precede their users).
// Guarantees: inputs and parameters are copied with their names, types,
// attributes and relative order; outputs keep their names, roles and order.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace graphc::passes {

class GraphRebuild {
 public:
  explicit GraphRebuild(const Graph& old);

  const Graph& old_graph() const { return *old_; }
  Graph& new_graph() { return new_; }

  // The new value standing for old value v (which must already be mapped).
  ValueId mapped(ValueId old_value) const;
  // The mapped operands of old node v.
  std::vector<ValueId> mapped_operands(ValueId old_value) const;
  void map(ValueId old_value, ValueId new_value);

  // Appends old node v to the new graph with its operands mapped, and maps it.
  ValueId copy(ValueId old_value);

  // Re-points the outputs and returns the new graph (the rebuild is spent).
  Graph finish();

 private:
  const Graph* old_;
  Graph new_;
  std::vector<ValueId> map_;
};

// Appends a node like `n` but with the given operands: sources keep their
// recorded type, computing nodes get theirs from shape inference.
ValueId append_like(Graph& g, const Node& n, std::vector<ValueId> operands);

}  // namespace graphc::passes
