// Autodiff's structure on small graphs: the backward nodes it writes, fan-out
// accumulation, the work it skips, and the errors it reports.
#include <gtest/gtest.h>

#include "frontend/ops.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/autodiff.h"

namespace graphc {
namespace {

TEST(Autodiff, WritesTheBackwardOfAProductWithFanOut) {
  // loss = sum(w * w): w is used twice, so its two contributions are added.
  Graph g("square");
  Builder b(g);
  Tensor w = b.parameter("w", {3}, InitSpec{"ones", {}});
  b.output("loss", sum(w * w), OutputRole::loss);
  Graph t = passes::build_training_graph(g);
  verify(t);
  EXPECT_EQ(print_graph(t),
            "graph square\n"
            "  param %0 w : f32[3] = ones()\n"
            "  %1 = mul(%0, %0) : f32[3]\n"
            "  %2 = reduce_sum(%1) {axes=[0], keepdims=false} : f32[]\n"
            "  %3 = constant() {value=1} : f32[]\n"
            "  %4 = reshape(%3) {shape=[1]} : f32[1]\n"
            "  %5 = broadcast(%4) {shape=[3]} : f32[3]\n"
            "  %6 = mul(%5, %0) : f32[3]\n"
            "  %7 = mul(%5, %0) : f32[3]\n"
            "  %8 = add(%6, %7) : f32[3]\n"
            "  output loss = %2 (loss)\n"
            "  output w = %8 (gradient)\n");
}

TEST(Autodiff, FrozenParametersAndInputsGetNoGradientWork) {
  // y = relu(x @ frozen) @ w: only w's gradient is needed, so nothing flows
  // through relu or the first matmul.
  Graph g("frozen");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 4});
  Tensor frozen = b.parameter("frozen", {4, 5}, InitSpec{"ones", {}}, false);
  Tensor w = b.parameter("w", {5, 2}, InitSpec{"ones", {}});
  b.output("loss", sum(matmul(relu(matmul(x, frozen)), w)), OutputRole::loss);
  Graph t = passes::build_training_graph(g);
  verify(t);
  size_t matmuls = 0;
  for (size_t i = g.size(); i < t.size(); ++i) {
    OpKind k = t.nodes()[i].op;
    EXPECT_NE(k, OpKind::gt) << "relu's backward was built";
    matmuls += k == OpKind::matmul;
  }
  EXPECT_EQ(matmuls, 1u);  // dw = relu(x @ frozen)^T @ g only
  EXPECT_EQ(t.outputs().back().name, "w");
}

TEST(Autodiff, ReportsGraphsItCannotDifferentiate) {
  auto message = [](const Graph& g) {
    try {
      passes::build_training_graph(g);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Graph no_loss("no_loss");
  {
    Builder b(no_loss);
    b.output("y", b.parameter("w", {2}, InitSpec{"ones", {}}), OutputRole::value);
  }
  EXPECT_EQ(message(no_loss), "graph no_loss has no output with role loss to differentiate");

  Graph vector_loss("vector_loss");
  {
    Builder b(vector_loss);
    b.output("loss", b.parameter("w", {2}, InitSpec{"ones", {}}) * 2.0, OutputRole::loss);
  }
  EXPECT_EQ(message(vector_loss), "loss output 'loss' must be a floating-point scalar, got f32[2]");

  Graph scalar("twice");
  {
    Builder b(scalar);
    b.output("loss", sum(b.parameter("w", {2}, InitSpec{"ones", {}})), OutputRole::loss);
  }
  Graph trained = passes::build_training_graph(scalar);
  EXPECT_EQ(message(trained), "graph twice already has gradient output 'w': it is a training graph");
}

TEST(Autodiff, AParameterTheLossIgnoresGetsAZeroGradient) {
  Graph g("unused");
  Builder b(g);
  Tensor used = b.parameter("used", {2}, InitSpec{"ones", {}});
  (void)b.parameter("unused", {2, 3}, InitSpec{"ones", {}});
  b.output("loss", sum(used), OutputRole::loss);
  Graph t = passes::build_training_graph(g);
  verify(t);
  const Output* zero = t.find_output("unused");
  ASSERT_NE(zero, nullptr);
  EXPECT_EQ(print_node(t, zero->value), cat("%", zero->value, " = broadcast(%", zero->value - 1, ") {shape=[2,3]} : f32[2,3]"));
  EXPECT_EQ(print_node(t, zero->value - 1), cat("%", zero->value - 1, " = constant() {value=0} : f32[]"));
}

}  // namespace
}  // namespace graphc
