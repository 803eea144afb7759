// Movement ops: alone they are copy kernels; inside a group they fold into
// the readers' affine indices (no copy, no scratch).
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

TEST(CodegenMovement, TransposeBroadcastSliceReshapeAlone) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 4, 6}}, InputRole::data);
  ValueId r = g.add_input("r", {DType::f32, {4, 1}}, InputRole::data);
  check_node(g, g.add(OpKind::transpose, {x}, {{"perm", std::vector<int64_t>{2, 0, 1}}}));
  check_node(g, g.add(OpKind::broadcast, {r}, {{"shape", std::vector<int64_t>{kBatch, 4, 5}}}));
  check_node(g, g.add(OpKind::slice, {x}, {{"begin", std::vector<int64_t>{0, 1, 1}},
                                           {"end", std::vector<int64_t>{kBatch, 4, 6}},
                                           {"step", std::vector<int64_t>{1, 2, 3}}}));
  check_node(g, g.add(OpKind::reshape, {x}, {{"shape", std::vector<int64_t>{kBatch, 2, 12}}}));
}

TEST(CodegenMovement, TransposeAndSliceFoldIntoAnElementwiseReader) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {6, kBatch}}, InputRole::data);
  ValueId y = g.add_input("y", {DType::f32, {kBatch, 3}}, InputRole::data);
  ValueId xt = g.add(OpKind::transpose, {x}, {{"perm", std::vector<int64_t>{1, 0}}});
  ValueId xs = g.add(OpKind::slice, {xt}, {{"begin", std::vector<int64_t>{0, 1}},
                                           {"end", std::vector<int64_t>{kBatch, 6}},
                                           {"step", std::vector<int64_t>{1, 2}}});
  ValueId sum = g.add(OpKind::add, {xs, y});
  passes::FusedGroup group = make_group(g, {xt, xs, sum}, {sum}, passes::GroupKind::elementwise);
  const Kernel k = lower_group(g, group);
  EXPECT_EQ(k.buffers.size(), 3u) << print_kernel(k);  // x, y, result: nothing materialised
  check_group_against_interpreter(g, group);
}

TEST(CodegenMovement, ReshapeOfAnInGroupValueMaterialisesItsOperand) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 2, 3}}, InputRole::data);
  ValueId e = g.add(OpKind::exp, {x});
  ValueId flat = g.add(OpKind::reshape, {e}, {{"shape", std::vector<int64_t>{kBatch, 6}}});
  ValueId out = g.add(OpKind::neg, {flat});
  check_group_against_interpreter(g, make_group(g, {e, flat, out}, {out}));
}

}  // namespace
}  // namespace graphc::codegen::testing
