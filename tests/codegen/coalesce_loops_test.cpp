// Loop coalescing (codegen/coalesce_loops.h) on lowered kernels: which
// nests merge (row-major walks of adjacent axes) and which must not (a
// broadcast or transposed axis, a parallel loop around a sequential one),
// and that the merged kernels still compute what the interpreter does.
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

// The extents of the first loop nest of the kernel, outermost first, down
// its first statements ("n p" for a parallel loop of extent n, "24 v" for a
// vectorised one).
std::vector<std::string> first_nest(const Kernel& k) {
  std::vector<std::string> extents;
  const std::vector<Stmt>* body = &k.body;
  while (!body->empty() && body->front().kind == StmtKind::loop) {
    const Stmt& loop = body->front();
    extents.push_back(loop.extent.str() + (loop.parallel ? " p" : "") + (loop.vectorize ? " v" : ""));
    body = &loop.body;
  }
  return extents;
}

using Extents = std::vector<std::string>;

TEST(CoalesceLoops, AnElementwiseNestBecomesOneRunPerSample) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 3, 8}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {kBatch, 3, 8}}, InputRole::data);
  ValueId out = g.add(OpKind::relu, {g.add(OpKind::add, {a, b})});
  const Kernel k = lower_group(g, make_group(g, {out}));
  EXPECT_EQ(first_nest(k), (Extents{"n p", "24 v"})) << print_kernel(k);
  check_node(g, out);
}

TEST(CoalesceLoops, ABroadcastAxisStaysItsOwnLoop) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 6, 5, 5}}, InputRole::data);
  ValueId bias = g.add_input("bias", {DType::f32, {6}}, InputRole::data);
  ValueId column = g.add(OpKind::reshape, {bias}, {{"shape", std::vector<int64_t>{6, 1, 1}}});
  ValueId out = g.add(OpKind::add, {x, column});
  const Kernel k = lower_group(g, make_group(g, {column, out}, {out}));
  EXPECT_EQ(first_nest(k), (Extents{"n p", "6", "25 v"})) << print_kernel(k);
  check_group_against_interpreter(g, make_group(g, {column, out}, {out}));
}

TEST(CoalesceLoops, ATransposedWalkIsNotMerged) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 4, 5}}, InputRole::data);
  ValueId t = g.add(OpKind::transpose, {x}, {{"perm", std::vector<int64_t>{0, 2, 1}}});
  ValueId out = g.add(OpKind::neg, {t});
  const Kernel k = lower_group(g, make_group(g, {t, out}, {out}));
  EXPECT_EQ(first_nest(k), (Extents{"n p", "5", "4 v"})) << print_kernel(k);
  check_group_against_interpreter(g, make_group(g, {t, out}, {out}));
}

// A bias gradient: the parallel loop over channels keeps the sequential
// loops inside it, which merge with each other where they walk one run.
TEST(CoalesceLoops, AReductionSumsOneRunPerSample) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 6, 28, 28}}, InputRole::data);
  ValueId sum = g.add(OpKind::reduce_sum, {x}, {{"axes", std::vector<int64_t>{0, 2, 3}}, {"keepdims", false}});
  const Kernel k = lower_group(g, make_group(g, {sum}));
  ASSERT_EQ(first_nest(k).size(), 1u) << print_kernel(k);  // the accumulator is set before the inner loops
  const Stmt& channels = k.body[0];
  EXPECT_TRUE(channels.parallel);
  ASSERT_EQ(channels.body.size(), 3u) << print_kernel(k);  // set, sum, store
  const Stmt& samples = channels.body[1];
  ASSERT_EQ(samples.kind, StmtKind::loop);
  EXPECT_EQ(samples.extent, SizeExpr::batch());
  ASSERT_EQ(samples.body.size(), 1u);
  EXPECT_EQ(samples.body[0].extent, SizeExpr(784)) << print_kernel(k);
  check_node(g, sum);
}

}  // namespace
}  // namespace graphc::codegen::testing
