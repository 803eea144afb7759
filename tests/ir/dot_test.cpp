// The Graphviz text of a tiny graph, exactly: node styles per kind, numbered
// edges for multi-operand ops, outputs as their own nodes, escaping.
#include <gtest/gtest.h>

#include "ir/dot.h"
#include "tests/ir/tiny_graph.h"

namespace graphc {
namespace {

TEST(Dot, TinyGraph) {
  EXPECT_EQ(graph_to_dot(testing::tiny_graph()),
            R"dot(digraph "tiny" {
  node [shape=box, fontname="monospace", fontsize=10];
  n0 [label="%0 input x (data)\nf32[N,4]", shape=invhouse, style=filled, fillcolor="#d6eaf8"];
  n1 [label="%1 param fc.weight\nf32[3,4]\nuniform(-0.5,0.5)", style="filled,rounded", fillcolor="#fdebd0"];
  n2 [label="%2 param fc.bias\nf32[3]\nzeros()", style="filled,rounded", fillcolor="#fdebd0"];
  n3 [label="%3 matmul\nf32[N,3]\ntranspose_a=false, transpose_b=true"];
  n0 -> n3 [label="0"];
  n1 -> n3 [label="1"];
  n4 [label="%4 add\nf32[N,3]"];
  n3 -> n4 [label="0"];
  n2 -> n4 [label="1"];
  n5 [label="%5 relu\nf32[N,3]"];
  n4 -> n5;
  out0 [label="output y (prediction)", shape=house, style=filled, fillcolor="#d5f5e3"];
  n5 -> out0;
}
)dot");
}

TEST(Dot, SourcesAndEscaping) {
  Graph g("say \"hi\"\\");
  ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
  ValueId mask = g.add(OpKind::dropout_mask, {seed},
                       {{"p", 0.25}, {"stream", int64_t{2}}, {"shape", std::vector<int64_t>{kBatch, 2}}});
  ValueId n = g.add(OpKind::batch_size, {});
  g.add_output("a\"b", g.add(OpKind::mul, {mask, n}), OutputRole::value);
  EXPECT_EQ(graph_to_dot(g),
            R"dot(digraph "say \"hi\"\\" {
  node [shape=box, fontname="monospace", fontsize=10];
  n0 [label="%0 input seed (seed)\ni64[]", shape=invhouse, style=filled, fillcolor="#d6eaf8"];
  n1 [label="%1 dropout_mask\nf32[N,2]\np=0.25, stream=2, shape=[N,2]"];
  n0 -> n1;
  n2 [label="%2 batch_size\nf32[]", shape=ellipse, style=filled, fillcolor="#eeeeee"];
  n3 [label="%3 mul\nf32[N,2]"];
  n1 -> n3 [label="0"];
  n2 -> n3 [label="1"];
  out0 [label="output a\"b (value)", shape=house, style=filled, fillcolor="#d5f5e3"];
  n3 -> out0;
}
)dot");
}

}  // namespace
}  // namespace graphc
