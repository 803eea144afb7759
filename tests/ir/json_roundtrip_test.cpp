// The JSON form is lossless: for every op, print(from_json(to_json(g))) ==
// print(g) and writing again gives the same text. Floats come back bit for
// bit, including inf, nan and -0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "ir/json.h"
#include "ir/printer.h"
#include "tests/ir/op_examples.h"
#include "tests/ir/tiny_graph.h"

namespace graphc {
namespace {

void expect_round_trip(const Graph& g) {
  std::string text = graph_to_json_text(g);
  Graph back = graph_from_json_text(text);
  EXPECT_EQ(print_graph(back), print_graph(g));
  EXPECT_EQ(graph_to_json(back), graph_to_json(g));
  EXPECT_EQ(graph_to_json_text(back), text);
  // The compact form nlohmann writes reads back the same way.
  EXPECT_EQ(print_graph(graph_from_json_text(graph_to_json(g).dump())), print_graph(g));
}

TEST(JsonRoundTrip, EveryOp) {
  for (const OpInfo& op : all_ops()) {
    SCOPED_TRACE(op.name);
    Graph g = testing::op_example_graph(op.kind);
    ASSERT_EQ(g.node(g.outputs()[0].value).op, op.kind);
    expect_round_trip(g);
  }
}

TEST(JsonRoundTrip, EveryOpClassInOneGraph) {
  for (OpClass cls : {OpClass::source, OpClass::elementwise, OpClass::reduction, OpClass::movement,
                      OpClass::contraction, OpClass::other}) {
    SCOPED_TRACE(op_class_name(cls));
    expect_round_trip(testing::op_class_graph(cls));
  }
}

TEST(JsonRoundTrip, ExactText) {
  EXPECT_EQ(graph_to_json_text(testing::tiny_graph()),
            R"({
  "format": "graphc-ir",
  "version": 1,
  "name": "tiny",
  "nodes": [
    {"id": 0, "op": "input", "operands": [], "attrs": {"name":"x","role":"data"}, "type": {"dtype":"f32","shape":[-1,4]}},
    {"id": 1, "op": "parameter", "operands": [], "attrs": {"init":"uniform","init_args":[-0.5,0.5],"name":"fc.weight","trainable":true}, "type": {"dtype":"f32","shape":[3,4]}},
    {"id": 2, "op": "parameter", "operands": [], "attrs": {"init":"zeros","init_args":[],"name":"fc.bias","trainable":true}, "type": {"dtype":"f32","shape":[3]}},
    {"id": 3, "op": "matmul", "operands": [0,1], "attrs": {"transpose_a":false,"transpose_b":true}, "type": {"dtype":"f32","shape":[-1,3]}},
    {"id": 4, "op": "add", "operands": [3,2], "attrs": {}, "type": {"dtype":"f32","shape":[-1,3]}},
    {"id": 5, "op": "relu", "operands": [4], "attrs": {}, "type": {"dtype":"f32","shape":[-1,3]}}
  ],
  "outputs": [
    {"name": "y", "value": 5, "role": "prediction"}
  ]
}
)");
}

TEST(JsonRoundTrip, EmptyGraph) {
  Graph g("empty");
  EXPECT_EQ(graph_to_json_text(g),
            "{\n  \"format\": \"graphc-ir\",\n  \"version\": 1,\n  \"name\": \"empty\",\n  \"nodes\": [],\n"
            "  \"outputs\": []\n}\n");
  expect_round_trip(g);
}

uint64_t bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

TEST(JsonRoundTrip, FloatsAreExact) {
  const double values[] = {0.1,
                           1.0 / 3.0,
                           -0.0,
                           1e-300,
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::lowest(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           9007199254740993.0};
  Graph g("floats");
  for (double v : values) g.add_constant(v, DType::f64);
  ValueId x = g.add_input("x", {DType::f32, {2, 2}}, InputRole::data);
  g.add(OpKind::pad, {x}, {{"low", std::vector<int64_t>{1, 0}}, {"high", std::vector<int64_t>{0, 1}},
                           {"value", -std::numeric_limits<double>::infinity()}});
  g.add_parameter("w", {2}, InitSpec{"uniform", {-0.30000000000000004, 1e-310}});

  std::string text = graph_to_json_text(g);
  EXPECT_NE(text.find(R"("value":"-inf")"), std::string::npos);
  EXPECT_NE(text.find(R"("value":"nan")"), std::string::npos);
  Graph back = graph_from_json_text(text);
  for (size_t i = 0; i < std::size(values); ++i) {
    double v = back.node(static_cast<ValueId>(i)).f("value");
    if (std::isnan(values[i]))
      EXPECT_TRUE(std::isnan(v));
    else
      EXPECT_EQ(bits(v), bits(values[i])) << "constant %" << i;
  }
  EXPECT_EQ(back.init_of(g.size() - 1).args, (std::vector<double>{-0.30000000000000004, 1e-310}));
  expect_round_trip(g);
}

TEST(JsonRoundTrip, IntegersAreAcceptedForFloats) {
  Graph g = graph_from_json_text(R"({"format": "graphc-ir", "version": 1, "name": "ints", "nodes": [
    {"id": 0, "op": "constant", "operands": [], "attrs": {"value": 2}, "type": {"dtype": "f32", "shape": []}},
    {"id": 1, "op": "parameter", "operands": [], "type": {"dtype": "f32", "shape": [2]},
     "attrs": {"name": "w", "init": "uniform", "init_args": [-1, 18446744073709551615], "trainable": false}}],
    "outputs": []})");
  EXPECT_EQ(g.node(0).f("value"), 2.0);
  EXPECT_EQ(g.init_of(1).args, (std::vector<double>{-1.0, 18446744073709551615.0}));
  expect_round_trip(g);
}

TEST(JsonRoundTrip, NamesWithSpecialCharacters) {
  Graph g("quote\" backslash\\ newline\n unicode \xc3\xa9");
  g.add_output("out \"1\"", g.add_input("x\ty", {DType::u8, {kBatch, 3}}, InputRole::data), OutputRole::value);
  expect_round_trip(g);
}

TEST(JsonRoundTrip, InvalidUtf8NameIsAnError) {
  Graph g("bad \xff name");
  EXPECT_THROW(graph_to_json_text(g), Error);
}

}  // namespace
}  // namespace graphc
