// Graphviz view of a graph (`graphc --dot`), for looking at what the compiler
// did: one box per value labelled "%id op", its type and attributes; inputs,
// parameters, constants and outputs drawn in their own shapes and colours;
// edges from operand to user, numbered where an op has several operands.
// The text depends only on the graph, so it can be diffed and golden-tested.
#pragma once

#include <string>

#include "ir/graph.h"

namespace graphc {

std::string graph_to_dot(const Graph& g);

}  // namespace graphc
