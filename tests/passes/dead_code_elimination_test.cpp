// Dead-code elimination on small graphs, with the exact IR after the pass.
#include <gtest/gtest.h>

#include "frontend/ops.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/dead_code_elimination.h"

namespace graphc {
namespace {

TEST(DeadCodeElimination, DropsWhatNoOutputNeedsButKeepsInputsAndParameters) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor unused_input = b.input("unused", DType::f32, {2});
  Tensor w = b.parameter("w", {3}, InitSpec{"ones", {}});
  Tensor frozen = b.parameter("frozen", {3}, InitSpec{"zeros", {}}, false);
  Tensor dead = exp(x) * frozen;  // nothing uses it
  (void)dead;
  (void)unused_input;
  b.output("y", relu(x * w), OutputRole::value);
  b.output("x_again", x, OutputRole::value);
  EXPECT_TRUE(passes::eliminate_dead_code(g));
  verify(g);
  EXPECT_EQ(print_graph(g),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  input %1 unused : f32[2] (data)\n"
            "  param %2 w : f32[3] = ones()\n"
            "  param %3 frozen : f32[3] = zeros() frozen\n"
            "  %4 = mul(%0, %2) : f32[N,3]\n"
            "  %5 = relu(%4) : f32[N,3]\n"
            "  output y = %5 (value)\n"
            "  output x_again = %0 (value)\n");
  EXPECT_FALSE(passes::eliminate_dead_code(g));
}

TEST(DeadCodeElimination, DropsUnusedConstantsAndBatchSize) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch});
  (void)b.constant(3.0);
  (void)b.batch_size();
  b.output("y", x + 1.0, OutputRole::value);
  EXPECT_TRUE(passes::eliminate_dead_code(g));
  verify(g);
  EXPECT_EQ(print_graph(g),
            "graph t\n"
            "  input %0 x : f32[N] (data)\n"
            "  %1 = constant() {value=1} : f32[]\n"
            "  %2 = add(%0, %1) : f32[N]\n"
            "  output y = %2 (value)\n");
}

}  // namespace
}  // namespace graphc
