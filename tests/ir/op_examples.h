// One small, valid use of every op in the table, for tests that must cover
// every op (JSON round trip, DOT, the fuzz seed corpus). The switch in
// op_examples.cpp has no default, so a new op does not compile until it has
// an example here.
#pragma once

#include "ir/graph.h"

namespace graphc::testing {

// Appends a use of `op` to g, with its own inputs named "<op>.<role>" so that
// several examples can share one graph, and returns the value it defines.
ValueId add_op_example(Graph& g, OpKind op);

// A graph holding the example of `op`, with that value as output "out".
Graph op_example_graph(OpKind op);

// A graph holding the examples of every op of class `cls`, one output each.
Graph op_class_graph(OpClass cls);

}  // namespace graphc::testing
