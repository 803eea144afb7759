// Each algebraic identity on a small graph, with the exact IR after the pass.
// The pass leaves the operands it no longer needs (the constant 1 of x*1)
// for dead-code elimination, so they still show here.
#include <gtest/gtest.h>

#include "frontend/ops.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/algebraic_simplification.h"

namespace graphc {
namespace {

// Builds a graph with input x of the given type and output y = f(x).
template <typename F>
Graph graph_of(const TensorType& x_type, F f) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", x_type.dtype, x_type.shape);
  b.output("y", f(x), OutputRole::value);
  return g;
}

// Runs the pass, checks that it reports a change iff one is expected and that
// the result verifies, and returns the IR text.
std::string after_pass(Graph g, bool expect_change = true) {
  EXPECT_EQ(passes::simplify_algebra(g), expect_change);
  verify(g);
  return print_graph(g);
}

const TensorType kX{DType::f32, {kBatch, 3}};

TEST(AlgebraicSimplification, MultiplyByOne) {
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return x * 1.0; })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  %1 = constant() {value=1} : f32[]\n"
            "  output y = %0 (value)\n");
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return 1.0 * x; })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  %1 = constant() {value=1} : f32[]\n"
            "  output y = %0 (value)\n");
}

TEST(AlgebraicSimplification, AddSubtractZeroDivideByOne) {
  for (auto f : {+[](Tensor x) { return x + 0.0; }, +[](Tensor x) { return 0.0 + x; },
                 +[](Tensor x) { return x - 0.0; }}) {
    EXPECT_EQ(after_pass(graph_of(kX, f)),
              "graph t\n"
              "  input %0 x : f32[N,3] (data)\n"
              "  %1 = constant() {value=0} : f32[]\n"
              "  output y = %0 (value)\n");
  }
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return x / 1.0; })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  %1 = constant() {value=1} : f32[]\n"
            "  output y = %0 (value)\n");
}

TEST(AlgebraicSimplification, KeepsWhatIsNotAnIdentity) {
  // 0 - x, x * 2 and 1 / x are not identities.
  Graph g = graph_of(kX, [](Tensor x) { return (0.0 - x) * 2.0 + 1.0 / x; });
  std::string before = print_graph(g);
  EXPECT_EQ(after_pass(g, false), before);
}

TEST(AlgebraicSimplification, DoubleNegation) {
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return -(-x); })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  %1 = neg(%0) : f32[N,3]\n"
            "  output y = %0 (value)\n");
}

TEST(AlgebraicSimplification, TransposeOfTransposeComposes) {
  // [2,3,4] -perm[1,2,0]-> [3,4,2] -perm[1,0,2]-> [4,3,2] == perm[2,1,0] of x.
  EXPECT_EQ(after_pass(graph_of({DType::f32, {2, 3, 4}},
                                [](Tensor x) { return transpose(transpose(x, {1, 2, 0}), {1, 0, 2}); })),
            "graph t\n"
            "  input %0 x : f32[2,3,4] (data)\n"
            "  %1 = transpose(%0) {perm=[1,2,0]} : f32[3,4,2]\n"
            "  %2 = transpose(%0) {perm=[2,1,0]} : f32[4,3,2]\n"
            "  output y = %2 (value)\n");
}

TEST(AlgebraicSimplification, TransposesThatCancelAndIdentityPermutation) {
  EXPECT_EQ(after_pass(graph_of({DType::f32, {2, 3}}, [](Tensor x) { return transpose(transpose(x, {1, 0}), {1, 0}); })),
            "graph t\n"
            "  input %0 x : f32[2,3] (data)\n"
            "  %1 = transpose(%0) {perm=[1,0]} : f32[3,2]\n"
            "  output y = %0 (value)\n");
  EXPECT_EQ(after_pass(graph_of({DType::f32, {2, 3}}, [](Tensor x) { return transpose(x, {0, 1}); })),
            "graph t\n"
            "  input %0 x : f32[2,3] (data)\n"
            "  output y = %0 (value)\n");
}

TEST(AlgebraicSimplification, ReshapeChainsAndReshapeToSameShape) {
  EXPECT_EQ(after_pass(graph_of({DType::f32, {kBatch, 2, 3}},
                                [](Tensor x) { return reshape(reshape(x, {kBatch, 6}), {kBatch, 3, 2}); })),
            "graph t\n"
            "  input %0 x : f32[N,2,3] (data)\n"
            "  %1 = reshape(%0) {shape=[N,6]} : f32[N,6]\n"
            "  %2 = reshape(%0) {shape=[N,3,2]} : f32[N,3,2]\n"
            "  output y = %2 (value)\n");
  EXPECT_EQ(after_pass(graph_of({DType::f32, {2, 3}}, [](Tensor x) { return reshape(reshape(x, {6}), {2, 3}); })),
            "graph t\n"
            "  input %0 x : f32[2,3] (data)\n"
            "  %1 = reshape(%0) {shape=[6]} : f32[6]\n"
            "  output y = %0 (value)\n");
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return reshape(x, {kBatch, 3}); })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  output y = %0 (value)\n");
}

TEST(AlgebraicSimplification, BroadcastToSameShapeAndBroadcastChains) {
  // broadcast_to() itself skips a same-shape broadcast, so build the op directly.
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return x.builder().op(OpKind::broadcast, {x}, {{"shape", x.shape().dims()}}); })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  output y = %0 (value)\n");
  EXPECT_EQ(after_pass(graph_of({DType::f32, {3}}, [](Tensor x) { return broadcast_to(broadcast_to(x, {1, 3}), {kBatch, 2, 3}); })),
            "graph t\n"
            "  input %0 x : f32[3] (data)\n"
            "  %1 = broadcast(%0) {shape=[1,3]} : f32[1,3]\n"
            "  %2 = broadcast(%0) {shape=[N,2,3]} : f32[N,2,3]\n"
            "  output y = %2 (value)\n");
}

TEST(AlgebraicSimplification, SingleElementSpreadByReshapesAndBroadcasts) {
  // Autodiff spreads a scalar gradient as reshape -> broadcast -> reshape;
  // one broadcast says the same.
  EXPECT_EQ(after_pass(graph_of({DType::f32, {}},
                                [](Tensor x) { return reshape(broadcast_to(reshape(x, {1}), {kBatch}), {kBatch, 1}); })),
            "graph t\n"
            "  input %0 x : f32[] (data)\n"
            "  %1 = reshape(%0) {shape=[1]} : f32[1]\n"
            "  %2 = broadcast(%0) {shape=[N]} : f32[N]\n"
            "  %3 = broadcast(%0) {shape=[N,1]} : f32[N,1]\n"
            "  output y = %3 (value)\n");
}

TEST(AlgebraicSimplification, ElementwiseOpsBroadcastImplicitly) {
  Graph g("t");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor s = b.input("s", DType::f32, {3});
  b.output("y", x * broadcast_to(s, {kBatch, 3}), OutputRole::value);
  EXPECT_EQ(after_pass(g),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  input %1 s : f32[3] (data)\n"
            "  %2 = broadcast(%1) {shape=[N,3]} : f32[N,3]\n"
            "  %3 = mul(%0, %1) : f32[N,3]\n"
            "  output y = %3 (value)\n");
  // Here the broadcast makes the result wider than x * s would be: kept.
  Graph wider("t");
  Builder wb(wider);
  Tensor a = wb.input("a", DType::f32, {3});
  Tensor c = wb.input("c", DType::f32, {3});
  wb.output("y", a * broadcast_to(c, {2, 3}), OutputRole::value);
  std::string before = print_graph(wider);
  EXPECT_EQ(after_pass(wider, false), before);
}

TEST(AlgebraicSimplification, SumOfBroadcastOverTheBroadcastAxes) {
  // Each element of x was copied 2*4 = 8 times and summed back: x * 8.
  EXPECT_EQ(after_pass(graph_of({DType::f32, {3}}, [](Tensor x) { return sum(broadcast_to(x, {2, 4, 3}), {0, 1}); })),
            "graph t\n"
            "  input %0 x : f32[3] (data)\n"
            "  %1 = broadcast(%0) {shape=[2,4,3]} : f32[2,4,3]\n"
            "  %2 = constant() {value=8} : f32[]\n"
            "  %3 = mul(%0, %2) : f32[3]\n"
            "  output y = %3 (value)\n");
  // Size-1 axes that grow, summed with keepdims: the result keeps x's shape.
  EXPECT_EQ(after_pass(graph_of({DType::f32, {3, 1}}, [](Tensor x) { return sum(broadcast_to(x, {3, 5}), {1}, true); })),
            "graph t\n"
            "  input %0 x : f32[3,1] (data)\n"
            "  %1 = broadcast(%0) {shape=[3,5]} : f32[3,5]\n"
            "  %2 = constant() {value=5} : f32[]\n"
            "  %3 = mul(%0, %2) : f32[3,1]\n"
            "  output y = %3 (value)\n");
  // A count of 1 (a new leading axis of size 1) leaves x, reshaped if needed.
  EXPECT_EQ(after_pass(graph_of({DType::f32, {3}}, [](Tensor x) { return sum(broadcast_to(x, {1, 3}), {0}, true); })),
            "graph t\n"
            "  input %0 x : f32[3] (data)\n"
            "  %1 = broadcast(%0) {shape=[1,3]} : f32[1,3]\n"
            "  %2 = reshape(%0) {shape=[1,3]} : f32[1,3]\n"
            "  output y = %2 (value)\n");
}

TEST(AlgebraicSimplification, SumOfBroadcastLeftAloneWhenAxesDifferOrCountIsN) {
  // Summing only one of the two broadcast axes is not the identity's pattern.
  Graph partial = graph_of({DType::f32, {3}}, [](Tensor x) { return sum(broadcast_to(x, {2, 4, 3}), {0}); });
  std::string before = print_graph(partial);
  EXPECT_EQ(after_pass(partial, false), before);
  // Over N the count is known only at run time.
  Graph over_batch = graph_of({DType::f32, {3}}, [](Tensor x) { return sum(broadcast_to(x, {kBatch, 3}), {0}); });
  before = print_graph(over_batch);
  EXPECT_EQ(after_pass(over_batch, false), before);
}

TEST(AlgebraicSimplification, CastToSameDtype) {
  EXPECT_EQ(after_pass(graph_of(kX, [](Tensor x) { return cast(x, DType::f32); })),
            "graph t\n"
            "  input %0 x : f32[N,3] (data)\n"
            "  output y = %0 (value)\n");
  Graph widening = graph_of(kX, [](Tensor x) { return cast(x, DType::f64); });
  std::string before = print_graph(widening);
  EXPECT_EQ(after_pass(widening, false), before);
}

}  // namespace
}  // namespace graphc
