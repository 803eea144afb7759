// Common-subexpression elimination on small graphs, with the exact IR after
// the pass.
#include <gtest/gtest.h>

#include "frontend/ops.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/common_subexpression_elimination.h"

namespace graphc {
namespace {

TEST(CommonSubexpressionElimination, MergesEqualNodesAndTheirUsers) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor a = exp(x) * 2.0;  // %1 exp, %2 constant 2, %3 mul
  Tensor c = exp(x) * 2.0;  // %4 %5 %6: the same three again
  b.output("y", a + c, OutputRole::value);
  EXPECT_TRUE(passes::eliminate_common_subexpressions(g));
  verify(g);
  EXPECT_EQ(print_graph(g),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  %1 = exp(%0) : f32[N,3]\n"
            "  %2 = constant() {value=2} : f32[]\n"
            "  %3 = mul(%1, %2) : f32[N,3]\n"
            "  %4 = add(%3, %3) : f32[N,3]\n"
            "  output y = %4 (value)\n");
  EXPECT_FALSE(passes::eliminate_common_subexpressions(g));
}

TEST(CommonSubexpressionElimination, KeepsNodesThatDifferInAttributesOperandsOrType) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {4, 6});
  Tensor s0 = sum(x, {0});
  Tensor s1 = sum(x, {1});                  // other axes
  Tensor c32 = b.constant(1.0);
  Tensor c64 = b.constant(1.0, DType::f64);  // other dtype
  Tensor m0 = dropout_mask(b, {4, 6}, 0.5);
  Tensor m1 = dropout_mask(b, {4, 6}, 0.5);  // other stream: another mask
  b.output("s0", s0, OutputRole::value);
  b.output("s1", s1, OutputRole::value);
  b.output("c32", c32, OutputRole::value);
  b.output("c64", c64, OutputRole::value);
  b.output("masked", x * m0 + x * m1, OutputRole::value);
  std::string before = print_graph(g);
  EXPECT_FALSE(passes::eliminate_common_subexpressions(g));
  EXPECT_EQ(print_graph(g), before);
}

TEST(CommonSubexpressionElimination, NeverMergesInputsOrParameters) {
  Graph g("t");
  Builder b(g);
  Tensor p = b.parameter("p", {3}, InitSpec{"zeros", {}});
  Tensor q = b.parameter("q", {3}, InitSpec{"zeros", {}});
  b.output("y", p + q, OutputRole::value);
  EXPECT_FALSE(passes::eliminate_common_subexpressions(g));
}

}  // namespace
}  // namespace graphc
