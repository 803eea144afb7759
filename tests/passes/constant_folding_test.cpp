// Constant folding on small graphs, with the exact IR after the pass.
#include <gtest/gtest.h>

#include "frontend/ops.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/constant_folding.h"

namespace graphc {
namespace {

TEST(ConstantFolding, FoldsScalarArithmeticOnConstants) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f64, {kBatch});
  Tensor two = b.constant(2.0, DType::f64);
  Tensor three = b.constant(3.0, DType::f64);
  Tensor k = -(two * three) + 1.0;  // -(2*3) + 1 = -5
  b.output("y", x * k, OutputRole::value);
  EXPECT_TRUE(passes::fold_constants(g));
  verify(g);
  EXPECT_EQ(print_graph(g),
            "graph t\n"
            "  input %0 x : f64[N] (data)\n"
            "  %1 = constant() {value=2} : f64[]\n"
            "  %2 = constant() {value=3} : f64[]\n"
            "  %3 = constant() {value=6} : f64[]\n"
            "  %4 = constant() {value=-6} : f64[]\n"
            "  %5 = constant() {value=1} : f64[]\n"
            "  %6 = constant() {value=-5} : f64[]\n"
            "  %7 = mul(%0, %6) : f64[N]\n"
            "  output y = %7 (value)\n");
  EXPECT_FALSE(passes::fold_constants(g));
}

TEST(ConstantFolding, RoundsToTheNodesDtype) {
  Graph g("t");
  Builder b(g);
  // One constant per statement: C++ leaves the order of a + b's operands open.
  Tensor tenth = b.constant(0.1);
  Tensor fifth = b.constant(0.2);
  Tensor sum32 = tenth + fifth;                           // f32 arithmetic
  Tensor truncated = cast(b.constant(-2.7), DType::i32);  // float -> int truncates
  Tensor one = b.constant(1.0);
  Tensor two = b.constant(2.0);
  Tensor less = lt(one, two);  // bool
  b.output("sum32", sum32, OutputRole::value);
  b.output("truncated", truncated, OutputRole::value);
  b.output("less", less, OutputRole::value);
  EXPECT_TRUE(passes::fold_constants(g));
  verify(g);
  EXPECT_EQ(print_graph(g),
            "graph t\n"
            "  %0 = constant() {value=0.1} : f32[]\n"
            "  %1 = constant() {value=0.2} : f32[]\n"
            "  %2 = constant() {value=0.30000001192092896} : f32[]\n"
            "  %3 = constant() {value=-2.7} : f32[]\n"
            "  %4 = constant() {value=-2} : i32[]\n"
            "  %5 = constant() {value=1} : f32[]\n"
            "  %6 = constant() {value=2} : f32[]\n"
            "  %7 = constant() {value=1} : bool[]\n"
            "  output sum32 = %2 (value)\n"
            "  output truncated = %4 (value)\n"
            "  output less = %7 (value)\n");
}

TEST(ConstantFolding, LeavesBatchSizeTensorsAndNonFiniteResults) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor n = b.batch_size() * 2.0;                    // N is not a constant
  Tensor wide = broadcast_to(b.constant(1.0), {3});   // not a scalar
  Tensor infinite = log(b.constant(0.0));             // -inf is not folded
  b.output("n", n, OutputRole::value);
  b.output("wide", x * wide, OutputRole::value);
  b.output("infinite", infinite, OutputRole::value);
  std::string before = print_graph(g);
  EXPECT_FALSE(passes::fold_constants(g));
  EXPECT_EQ(print_graph(g), before);
}

}  // namespace
}  // namespace graphc
