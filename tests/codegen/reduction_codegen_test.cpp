// Reductions through the JIT: accumulators in a fixed sequential order,
// over any set of axes including N, and fused with elementwise producers and
// consumers.
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

AttrMap reduce_attrs(std::vector<int64_t> axes, bool keepdims) {
  return {{"axes", std::move(axes)}, {"keepdims", keepdims}};
}

TEST(CodegenReduction, SumAndMaxOverEveryAxisSet) {
  const std::vector<std::vector<int64_t>> axis_sets = {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (OpKind op : {OpKind::reduce_sum, OpKind::reduce_max})
    for (const auto& axes : axis_sets)
      for (bool keepdims : {false, true}) {
        SCOPED_TRACE(cat(op_name(op), " axes ", dims_str(axes), " keepdims ", keepdims));
        Graph g;
        ValueId x = g.add_input("x", {DType::f32, {kBatch, 4, 6}}, InputRole::data);
        check_node(g, g.add(op, {x}, reduce_attrs(axes, keepdims)));
      }
}

TEST(CodegenReduction, ArgmaxAlongEachAxisTakesTheFirstMaximum) {
  // Integer-valued f32 inputs make ties common, so "first maximum" is tested.
  for (int64_t axis : {0, 1, 2}) {
    SCOPED_TRACE(cat("axis ", axis));
    Graph g;
    ValueId xi = g.add_input("x", {DType::i32, {kBatch, 5, 3}}, InputRole::data);
    ValueId x = g.add(OpKind::cast, {xi}, {{"dtype", DType::f32}});
    ValueId am = g.add(OpKind::argmax, {x}, {{"axis", axis}});
    check_group_against_interpreter(g, make_group(g, {x, am}, {am}, passes::GroupKind::reduction));
  }
}

TEST(CodegenReduction, MaxAndArgmaxPropagateNan) {
  Graph g;
  ValueId xi = g.add_input("x", {DType::i32, {kBatch, 7}}, InputRole::data);
  ValueId x = g.add(OpKind::cast, {xi}, {{"dtype", DType::f32}});
  ValueId nan_at_zero = g.add(OpKind::div, {x, x});
  ValueId scaled = g.add(OpKind::mul, {nan_at_zero, x});
  ValueId mx = g.add(OpKind::reduce_max, {scaled}, reduce_attrs({1}, false));
  ValueId am = g.add(OpKind::argmax, {scaled}, {{"axis", int64_t{1}}});
  check_group_against_interpreter(g, make_group(g, {x, nan_at_zero, scaled, mx, am}, {mx, am}), {6, 11});
}

TEST(CodegenReduction, ElementwiseProducerFusedIntoSum) {
  // Sum of squares per row, the producer inlined into the accumulation.
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 33}}, InputRole::data);
  ValueId sq = g.add(OpKind::mul, {x, x});
  ValueId sum = g.add(OpKind::reduce_sum, {sq}, reduce_attrs({1}, true));
  passes::FusedGroup group = make_group(g, {sq, sum}, {sum}, passes::GroupKind::reduction);
  const Kernel k = lower_group(g, group);
  for (const Buffer& b : k.buffers) EXPECT_NE(b.role, BufferRole::scratch) << print_kernel(k);
  check_group_against_interpreter(g, group);
}

TEST(CodegenReduction, ReductionFeedingLaterOpsOfTheGroup) {
  // Softmax spelled with primitive ops: the row max and row sum are
  // materialised (scratch), the rest is inlined.
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 10}}, InputRole::data);
  ValueId mx = g.add(OpKind::reduce_max, {x}, reduce_attrs({1}, true));
  ValueId shifted = g.add(OpKind::sub, {x, mx});
  ValueId e = g.add(OpKind::exp, {shifted});
  ValueId sum = g.add(OpKind::reduce_sum, {e}, reduce_attrs({1}, true));
  ValueId softmax = g.add(OpKind::div, {e, sum});
  passes::FusedGroup group = make_group(g, {mx, shifted, e, sum, softmax}, {softmax}, passes::GroupKind::softmax);
  check_group_against_interpreter(g, group, {2, 5}, {-8, 8});
}

TEST(CodegenReduction, IntegerSumIsExact) {
  Graph g;
  ValueId x = g.add_input("x", {DType::i32, {kBatch, 9}}, InputRole::label);
  check_node(g, g.add(OpKind::reduce_sum, {x}, reduce_attrs({0}, false)));
}

// Long sums run in 16 lanes on the CPU (codegen/cpu/split_sum.cpp): a run
// of 784 (a bias gradient's pixels), and one of 99 (a tail of 3) with an
// elementwise producer inlined into the sum. Within the interpreter's
// tolerance, and the same bits whatever the target's vector width.
TEST(CodegenReduction, LongSumsInLanesOnEveryTarget) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 6, 28, 28}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {kBatch, 5, 9, 11}}, InputRole::data);
  ValueId sum_a = g.add(OpKind::reduce_sum, {a}, reduce_attrs({0, 2, 3}, false));
  ValueId squares = g.add(OpKind::mul, {b, b});
  ValueId sum_b = g.add(OpKind::reduce_sum, {squares}, reduce_attrs({0, 2, 3}, true));
  check_node(g, sum_a);
  const passes::FusedGroup squares_group = make_group(g, {squares, sum_b}, {sum_b}, passes::GroupKind::reduction);
  check_group_against_interpreter(g, squares_group);
  expect_same_bits_on_avx2({lower_group(g, make_group(g, {sum_a}), "sum_a"), lower_group(g, squares_group, "sum_b")},
                           "long_sums");
}

}  // namespace
}  // namespace graphc::codegen::testing
