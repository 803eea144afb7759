// The verifier as the IR's spec, the printer's exact text, and
// Graph::with_batch.
#include <gtest/gtest.h>

#include "ir/printer.h"
#include "ir/verifier.h"
#include "tests/ir/error_text.h"
#include "tests/ir/op_examples.h"
#include "tests/ir/tiny_graph.h"

namespace graphc {
namespace {

using testing::error_text;
using testing::tiny_graph;
using Ints = std::vector<int64_t>;

TEST(Verifier, AcceptsEveryOpExample) {
  for (const OpInfo& op : all_ops()) {
    SCOPED_TRACE(op.name);
    EXPECT_NO_THROW(verify(testing::op_example_graph(op.kind)));
  }
}

TEST(Verifier, CatchesMutatedType) {
  Graph g = tiny_graph();
  g.mutable_node(4).type = {DType::f32, {kBatch, 5}};
  EXPECT_EQ(error_text([&] { verify(g); }), "%4 = add: recorded type f32[N,5] but shape inference gives f32[N,3]");
  g = tiny_graph();
  g.mutable_node(5).type.dtype = DType::f64;
  EXPECT_EQ(error_text([&] { verify(g); }), "%5 = relu: recorded type f64[N,3] but shape inference gives f32[N,3]");
}

TEST(Verifier, CatchesMutatedStructure) {
  Graph g = tiny_graph();
  g.mutable_node(3).operands[1] = 5;
  EXPECT_EQ(error_text([&] { verify(g); }), "%3 = matmul: operand %5 is not defined before use");

  g = tiny_graph();
  g.mutable_node(2).attrs["name"] = std::string("fc.weight");
  EXPECT_EQ(error_text([&] { verify(g); }), "%2 = parameter: parameter name 'fc.weight' is used twice");

  g = tiny_graph();
  g.mutable_outputs()[0].value = 99;
  EXPECT_EQ(error_text([&] { verify(g); }), "output 'y' refers to undefined value %99");

  g = tiny_graph();
  g.mutable_outputs().push_back(g.outputs()[0]);
  EXPECT_EQ(error_text([&] { verify(g); }), "output name 'y' is used twice");
}

TEST(Printer, ExactText) {
  Graph g("tiny");
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 4}}, InputRole::data);
  ValueId half = g.add_constant(0.5);
  ValueId w = g.add_parameter("w", {3, 4}, InitSpec{"normal", {0, 0.02}}, /*trainable=*/false);
  ValueId scaled = g.add(OpKind::mul, {x, half});
  ValueId y = g.add(OpKind::matmul, {scaled, w}, {{"transpose_a", false}, {"transpose_b", true}});
  ValueId labels = g.add_input("labels", {DType::i32, {kBatch}}, InputRole::label);
  g.add_output("loss", g.add(OpKind::softmax_cross_entropy, {y, labels}), OutputRole::loss);
  g.add_output("logits", y, OutputRole::prediction);
  // Inputs and parameters come first, then the computation in order.
  EXPECT_EQ(print_graph(g),
            "graph tiny\n"
            "  input %0 x : f32[N,4] (data)\n"
            "  param %2 w : f32[3,4] = normal(0,0.02) frozen\n"
            "  input %5 labels : i32[N] (label)\n"
            "  %1 = constant() {value=0.5} : f32[]\n"
            "  %3 = mul(%0, %1) : f32[N,4]\n"
            "  %4 = matmul(%3, %2) {transpose_a=false, transpose_b=true} : f32[N,3]\n"
            "  %6 = softmax_cross_entropy(%4, %5) : f32[N]\n"
            "  output loss = %6 (loss)\n"
            "  output logits = %4 (prediction)\n");
}

TEST(WithBatch, SubstitutesTypesAndShapeAttributes) {
  Graph g("batched");
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 1, 28, 28}}, InputRole::data);
  ValueId flat = g.add(OpKind::reshape, {x}, {{"shape", Ints{kBatch, 784}}});
  ValueId part = g.add(OpKind::slice, {flat}, {{"begin", Ints{0, 0}}, {"end", Ints{kBatch, 10}}, {"step", Ints{1, 1}}});
  ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
  ValueId mask = g.add(OpKind::dropout_mask, {seed}, {{"p", 0.5}, {"stream", int64_t{0}}, {"shape", Ints{kBatch, 10}}});
  g.add_output("out", g.add(OpKind::mul, {part, mask}), OutputRole::value);

  Graph fixed = g.with_batch(32);
  EXPECT_NO_THROW(verify(fixed));
  EXPECT_EQ(print_graph(fixed),
            "graph batched\n"
            "  input %0 x : f32[32,1,28,28] (data)\n"
            "  input %3 seed : i64[] (seed)\n"
            "  %1 = reshape(%0) {shape=[32,784]} : f32[32,784]\n"
            "  %2 = slice(%1) {begin=[0,0], end=[32,10], step=[1,1]} : f32[32,10]\n"
            "  %4 = dropout_mask(%3) {p=0.5, stream=0, shape=[32,10]} : f32[32,10]\n"
            "  %5 = mul(%2, %4) : f32[32,10]\n"
            "  output out = %5 (value)\n");
  EXPECT_EQ(g.type(5).str(), "f32[N,10]");  // the original keeps N
  EXPECT_EQ(error_text([&] { g.with_batch(0); }), "batch size 0 is out of range");
  EXPECT_EQ(error_text([&] { g.with_batch((int64_t{1} << 31) + 1); }), "batch size 2147483649 is out of range");
}

TEST(WithBatch, EveryOpExampleStillVerifies) {
  for (const OpInfo& op : all_ops()) {
    SCOPED_TRACE(op.name);
    EXPECT_NO_THROW(verify(testing::op_example_graph(op.kind).with_batch(3)));
  }
}

}  // namespace
}  // namespace graphc
