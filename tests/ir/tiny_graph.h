// A six-node graph (input, two parameters, matmul, add, relu) small enough
// that tests can spell out its exact printed, JSON and DOT forms.
#pragma once

#include "ir/graph.h"

namespace graphc::testing {

inline Graph tiny_graph() {
  Graph g("tiny");
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 4}}, InputRole::data);
  ValueId w = g.add_parameter("fc.weight", {3, 4}, InitSpec{"uniform", {-0.5, 0.5}});
  ValueId b = g.add_parameter("fc.bias", {3}, InitSpec{"zeros", {}});
  ValueId y = g.add(OpKind::matmul, {x, w}, {{"transpose_a", false}, {"transpose_b", true}});
  ValueId z = g.add(OpKind::add, {y, b});
  g.add_output("y", g.add(OpKind::relu, {z}), OutputRole::prediction);
  return g;
}

}  // namespace graphc::testing
