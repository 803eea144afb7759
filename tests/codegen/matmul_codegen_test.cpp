// matmul as a Gemm statement, with every transpose combination, batching
// (N among the batch axes, or N as M or K), and a fused epilogue.
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

AttrMap flags(bool ta, bool tb) { return {{"transpose_a", ta}, {"transpose_b", tb}}; }

TEST(CodegenMatmul, EveryTransposeCombinationWithNAsM) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      SCOPED_TRACE(cat("transpose_a ", ta, " transpose_b ", tb));
      Graph g;
      ValueId a = g.add_input("a", {DType::f32, ta ? Shape{8, kBatch} : Shape{kBatch, 8}}, InputRole::data);
      ValueId b = g.add_parameter("b", tb ? Shape{5, 8} : Shape{8, 5}, InitSpec{});
      check_node(g, g.add(OpKind::matmul, {a, b}, flags(ta, tb)));
    }
}

TEST(CodegenMatmul, NAsTheContractedAxisLikeAWeightGradient) {
  // dW = x^T @ dy: the sum runs over the batch.
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 7}}, InputRole::data);
  ValueId dy = g.add_input("dy", {DType::f32, {kBatch, 4}}, InputRole::data);
  check_node(g, g.add(OpKind::matmul, {x, dy}, flags(true, false)));
}

TEST(CodegenMatmul, BatchedAgainstBatchedAndAgainstRank2) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 3, 4}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {kBatch, 4, 5}}, InputRole::data);
  ValueId w = g.add_parameter("w", {2, 4}, InitSpec{});
  check_node(g, g.add(OpKind::matmul, {a, b}, flags(false, false)));
  check_node(g, g.add(OpKind::matmul, {a, w}, flags(false, true)));
}

TEST(CodegenMatmul, BiasAndReluEpilogueInOneKernel) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 16}}, InputRole::data);
  ValueId w = g.add_parameter("w", {16, 12}, InitSpec{});
  ValueId bias = g.add_parameter("bias", {12}, InitSpec{});
  ValueId mm = g.add(OpKind::matmul, {x, w}, flags(false, false));
  ValueId biased = g.add(OpKind::add, {mm, bias});
  ValueId h = g.add(OpKind::relu, {biased});
  passes::FusedGroup group = make_group(g, {mm, biased, h}, {h}, passes::GroupKind::contraction);
  group.anchor = mm;
  const Kernel k = lower_group(g, group);
  ASSERT_EQ(k.body.size(), 2u) << print_kernel(k);
  EXPECT_EQ(k.body[0].kind, StmtKind::gemm);
  check_group_against_interpreter(g, group);
}

TEST(CodegenMatmul, OperandComputedInsideTheGroupIsMaterialised) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 6}}, InputRole::data);
  ValueId w = g.add_parameter("w", {6, 3}, InitSpec{});
  ValueId t = g.add(OpKind::tanh, {x});
  ValueId mm = g.add(OpKind::matmul, {t, w}, flags(false, false));
  check_group_against_interpreter(g, make_group(g, {t, mm}, {mm}, passes::GroupKind::contraction));
}

}  // namespace
}  // namespace graphc::codegen::testing
