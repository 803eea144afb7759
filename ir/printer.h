// The text form of a graph, one line per node, stable across runs so that it
// serves golden-file tests:
//   graph mnist_mlp
//     input %0 x : f32[N,1,28,28] (data)
//     param %2 fc1.weight : f32[128,784] = uniform(-0.0357,0.0357)
//     %4 = reshape(%0) {shape=[N,784]} : f32[N,784]
//     output loss = %9 (loss)
// Inputs and parameters are listed first, then the computation in order.
#pragma once

#include <string>

#include "ir/graph.h"

namespace graphc {

std::string print_graph(const Graph& g);
std::string print_node(const Graph& g, ValueId v);  // one line, no indent

}  // namespace graphc
