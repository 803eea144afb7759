// Elementwise ops and chains through the JIT against the interpreter, with N
// bound at run time to two different batch sizes for the same compiled kernel.
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

TEST(CodegenElementwise, EveryUnaryOpMatchesTheInterpreter) {
  for (OpKind op : {OpKind::neg, OpKind::exp, OpKind::tanh, OpKind::sigmoid, OpKind::relu, OpKind::abs}) {
    SCOPED_TRACE(op_name(op));
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, {kBatch, 5}}, InputRole::data);
    check_node(g, g.add(op, {x}), {-6, 6});
  }
  // Ops defined on positive inputs.
  for (OpKind op : {OpKind::log, OpKind::sqrt, OpKind::rsqrt}) {
    SCOPED_TRACE(op_name(op));
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, {kBatch, 5}}, InputRole::data);
    check_node(g, g.add(op, {x}), {0.05, 4});
  }
}

TEST(CodegenElementwise, BinaryOpsBroadcastWithStrideZero) {
  for (OpKind op : {OpKind::add, OpKind::sub, OpKind::mul, OpKind::div, OpKind::max, OpKind::min, OpKind::pow,
                    OpKind::eq, OpKind::ne, OpKind::lt, OpKind::le, OpKind::gt, OpKind::ge}) {
    SCOPED_TRACE(op_name(op));
    Graph g;
    // [N,4,5] against [4,1] and [5]: both operands broadcast on some axis.
    ValueId a = g.add_input("a", {DType::f32, {kBatch, 4, 5}}, InputRole::data);
    ValueId b = g.add_input("b", {DType::f32, {4, 1}}, InputRole::data);
    ValueId c = g.add_input("c", {DType::f32, {5}}, InputRole::data);
    const InputRange range = op == OpKind::pow || op == OpKind::div ? InputRange{0.5, 2} : InputRange{};
    check_node(g, g.add(op, {a, b}), range);
    check_node(g, g.add(op, {c, a}), range);
  }
}

TEST(CodegenElementwise, ComparisonsOnEqualValuesAndIntegers) {
  // Integer inputs are drawn from 0..9, so equal values are frequent.
  for (OpKind op : {OpKind::eq, OpKind::ne, OpKind::lt, OpKind::le, OpKind::gt, OpKind::ge, OpKind::max,
                    OpKind::add, OpKind::mul}) {
    SCOPED_TRACE(op_name(op));
    Graph g;
    ValueId a = g.add_input("a", {DType::i32, {kBatch, 6}}, InputRole::label);
    ValueId b = g.add_input("b", {DType::i32, {6}}, InputRole::label);
    check_node(g, g.add(op, {a, b}));
  }
}

TEST(CodegenElementwise, SelectBroadcastsAllThreeOperands) {
  Graph g;
  ValueId cond = g.add_input("cond", {DType::boolean, {kBatch, 1}}, InputRole::data);
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 4}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {4}}, InputRole::data);
  check_node(g, g.add(OpKind::select, {cond, a, b}));
}

TEST(CodegenElementwise, CastsTruncateAndMakeBooleans) {
  for (DType to : {DType::i32, DType::boolean, DType::u8}) {
    SCOPED_TRACE(dtype_name(to));
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, {kBatch, 5}}, InputRole::data);
    check_node(g, g.add(OpKind::cast, {x}, {{"dtype", to}}), {0, 9});
  }
  Graph g;
  ValueId labels = g.add_input("y", {DType::i32, {kBatch}}, InputRole::label);
  check_node(g, g.add(OpKind::cast, {labels}, {{"dtype", DType::f32}}));
}

TEST(CodegenElementwise, ConstantsAndBatchSizeAreFoldedIntoTheChain) {
  // mean-style scaling: (x * 2 - 1) / N
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 3}}, InputRole::data);
  ValueId two = g.add_constant(2), one = g.add_constant(1);
  ValueId n = g.add(OpKind::batch_size, {});
  ValueId scaled = g.add(OpKind::mul, {x, two});
  ValueId shifted = g.add(OpKind::sub, {scaled, one});
  ValueId mean = g.add(OpKind::div, {shifted, n});
  passes::FusedGroup group = make_group(g, {n, scaled, shifted, mean}, {mean}, passes::GroupKind::elementwise);
  EXPECT_EQ(group.inputs, (std::vector<ValueId>{x, two, one}));
  const Kernel k = lower_group(g, group);
  ASSERT_EQ(k.buffers.size(), 2u) << print_kernel(k);  // x and the result: constants need no buffer
  check_group_against_interpreter(g, group);
}

TEST(CodegenElementwise, ChainWithOutputsOfTwoShapes) {
  // h = relu(x * w + b); also output the per-row scale s = sigmoid(r) * 3.
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 6}}, InputRole::data);
  ValueId w = g.add_parameter("w", {6}, InitSpec{});
  ValueId b = g.add_parameter("b", {1, 6}, InitSpec{});
  ValueId r = g.add_input("r", {DType::f32, {kBatch, 1}}, InputRole::data);
  ValueId three = g.add_constant(3);
  ValueId xw = g.add(OpKind::mul, {x, w});
  ValueId xwb = g.add(OpKind::add, {xw, b});
  ValueId s0 = g.add(OpKind::sigmoid, {r});
  ValueId s = g.add(OpKind::mul, {s0, three});
  ValueId h = g.add(OpKind::relu, {xwb});
  ValueId out = g.add(OpKind::mul, {h, s});
  passes::FusedGroup group = make_group(g, {xw, xwb, s0, s, h, out}, {s, h, out}, passes::GroupKind::elementwise);
  check_group_against_interpreter(g, group);
  // Two nests: [N,1] for s, [N,6] shared by h and out.
  const Kernel k = lower_group(g, group);
  EXPECT_EQ(k.body.size(), 2u) << print_kernel(k);
}

TEST(CodegenElementwise, NanPropagatesThroughMaxMinAndRelu) {
  // 0/0 makes NaN where x == 0; inputs are integers cast to f32 so zeros occur.
  Graph g;
  ValueId xi = g.add_input("x", {DType::i32, {kBatch, 8}}, InputRole::data);
  ValueId x = g.add(OpKind::cast, {xi}, {{"dtype", DType::f32}});
  ValueId nan_at_zero = g.add(OpKind::div, {x, x});
  ValueId two = g.add_constant(2);
  ValueId mx = g.add(OpKind::max, {nan_at_zero, two});
  ValueId mn = g.add(OpKind::min, {two, nan_at_zero});
  ValueId rl = g.add(OpKind::relu, {nan_at_zero});
  check_group_against_interpreter(g, make_group(g, {x, nan_at_zero, mx, mn, rl}, {mx, mn, rl}), {9, 20});
}

}  // namespace
}  // namespace graphc::codegen::testing
