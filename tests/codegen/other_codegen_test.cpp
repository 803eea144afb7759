// pad, concat, one_hot and dropout_mask: alone, and inlined into the groups
// that read them (no buffer of their own); pad and concat read their
// operands only where they hold the element. dropout_mask is compared bit
// for bit with runtime::philox_uniform, including seeds above 2^32.
#include <cmath>
#include <limits>

#include "runtime/philox.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

using Ints = std::vector<int64_t>;

ValueId pad(Graph& g, ValueId x, Ints low, Ints high, double value) {
  return g.add(OpKind::pad, {x}, {{"low", std::move(low)}, {"high", std::move(high)}, {"value", value}});
}

TEST(CodegenPad, Alone) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 3, 5, 4}}, InputRole::data);
  check_node(g, pad(g, x, {0, 0, 1, 1}, {0, 0, 1, 1}, 0.0));
  check_node(g, pad(g, x, {0, 2, 0, 3}, {0, 0, 2, 0}, -1.5));
  check_node(g, pad(g, x, {0, 0, 0, 0}, {0, 1, 0, 0}, -std::numeric_limits<double>::infinity()));
  ValueId labels = g.add_input("labels", {DType::i32, {kBatch, 3}}, InputRole::label);
  check_node(g, pad(g, labels, {0, 1}, {0, 2}, 7));
}

// relu(x) computed only for the elements the pad copies, then consumed.
TEST(CodegenPad, InlinedBetweenAProducerAndAConsumer) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 2, 6, 6}}, InputRole::data);
  ValueId y = g.add_input("y", {DType::f32, {kBatch, 2, 8, 9}}, InputRole::data);
  ValueId r = g.add(OpKind::relu, {x});
  ValueId p = pad(g, r, {0, 0, 1, 2}, {0, 0, 1, 1}, 0.5);
  ValueId sum = g.add(OpKind::add, {p, y});
  const passes::FusedGroup group = make_group(g, {r, p, sum}, {sum}, passes::GroupKind::elementwise);
  const Kernel k = lower_group(g, group);
  EXPECT_EQ(k.buffers.size(), 3u) << print_kernel(k);  // x, y, the result: nothing materialised
  check_group_against_interpreter(g, group);
}

TEST(CodegenConcat, AlongEachAxis) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 2, 3}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {kBatch, 4, 3}}, InputRole::data);
  ValueId c = g.add_input("c", {DType::f32, {kBatch, 1, 3}}, InputRole::data);
  check_node(g, g.add(OpKind::concat, {a, b, c}, {{"axis", int64_t{1}}}));
  ValueId d = g.add_input("d", {DType::f32, {kBatch, 2, 5}}, InputRole::data);
  check_node(g, g.add(OpKind::concat, {a, d}, {{"axis", int64_t{2}}}));
  ValueId e = g.add_input("e", {DType::f32, {2, kBatch}}, InputRole::data);
  ValueId f = g.add_input("f", {DType::f32, {3, kBatch}}, InputRole::data);
  check_node(g, g.add(OpKind::concat, {e, f}, {{"axis", int64_t{0}}}));
  check_node(g, g.add(OpKind::concat, {a}, {{"axis", int64_t{2}}}));
}

// exp(a) and neg(b) are computed inside the branch that needs them; a slice
// of the concatenation reads it at shifted coordinates.
TEST(CodegenConcat, InlinedWithProducersAndASliceOfIt) {
  Graph g;
  ValueId a = g.add_input("a", {DType::f32, {kBatch, 3}}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {kBatch, 4}}, InputRole::data);
  ValueId ea = g.add(OpKind::exp, {a});
  ValueId nb = g.add(OpKind::neg, {b});
  ValueId cat_ab = g.add(OpKind::concat, {ea, nb}, {{"axis", int64_t{1}}});
  ValueId twice = g.add(OpKind::add, {cat_ab, cat_ab});
  ValueId column = g.add(OpKind::slice, {cat_ab},
                         {{"begin", Ints{0, 5}}, {"end", Ints{kBatch, 6}}, {"step", Ints{1, 1}}});
  const passes::FusedGroup group =
      make_group(g, {ea, nb, cat_ab, twice, column}, {twice, column}, passes::GroupKind::elementwise);
  const Kernel k = lower_group(g, group);
  EXPECT_EQ(k.buffers.size(), 4u) << print_kernel(k);
  check_group_against_interpreter(g, group);
}

// argmax reads element 0 of its axis at a constant coordinate: there pad and
// concat know statically what holds it (padding, or the first operand).
TEST(CodegenPadConcat, ReadAtAConstantCoordinate) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 5}}, InputRole::data);
  ValueId y = g.add_input("y", {DType::f32, {kBatch, 2}}, InputRole::data);
  ValueId padded = pad(g, x, {0, 2}, {0, 1}, 1.0);
  ValueId best = g.add(OpKind::argmax, {padded}, {{"axis", int64_t{1}}});
  check_group_against_interpreter(g, make_group(g, {padded, best}, {best}, passes::GroupKind::reduction));
  ValueId joined = g.add(OpKind::concat, {y, x}, {{"axis", int64_t{1}}});
  ValueId first = g.add(OpKind::argmax, {joined}, {{"axis", int64_t{1}}});
  check_group_against_interpreter(g, make_group(g, {joined, first}, {first}, passes::GroupKind::reduction));
}

// The harness draws labels in [0, 10): with 6 classes some rows are zero.
TEST(CodegenOneHot, InRangeAndOutOfRangeLabels) {
  for (DType t : {DType::i32, DType::i64, DType::u8}) {
    for (int64_t classes : {6, 10, 12}) {
      SCOPED_TRACE(cat(dtype_name(t), " classes ", classes));
      Graph g;
      ValueId labels = g.add_input("labels", {t, {kBatch}}, InputRole::label);
      check_node(g, g.add(OpKind::one_hot, {labels}, {{"classes", classes}}));
      ValueId grid = g.add_input("grid", {t, {kBatch, 3}}, InputRole::label);
      check_node(g, g.add(OpKind::one_hot, {grid}, {{"classes", classes}}));
    }
  }
}

ValueId dropout_mask(Graph& g, ValueId seed, Ints shape, double p, int64_t stream) {
  return g.add(OpKind::dropout_mask, {seed}, {{"p", p}, {"stream", stream}, {"shape", std::move(shape)}});
}

TEST(CodegenDropout, MaskMatchesTheInterpreter) {
  for (double p : {0.0, 0.1, 0.5, 0.9}) {
    SCOPED_TRACE(cat("p ", p));
    Graph g;
    ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
    g.add_input("x", {DType::f32, {kBatch}}, InputRole::data);  // tells the interpreter N
    check_node(g, dropout_mask(g, seed, {kBatch, 37}, p, 3));
    check_node(g, dropout_mask(g, seed, {4, kBatch, 3, 5}, p, 0));
  }
}

// What nn::Dropout builds: x * mask, in one kernel with no mask buffer.
TEST(CodegenDropout, FusedIntoItsConsumer) {
  Graph g;
  ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 2, 33}}, InputRole::data);
  ValueId mask = dropout_mask(g, seed, {kBatch, 2, 33}, 0.25, 11);
  ValueId y = g.add(OpKind::mul, {mask, x});
  const passes::FusedGroup group = make_group(g, {mask, y}, {y}, passes::GroupKind::elementwise);
  EXPECT_EQ(lower_group(g, group).buffers.size(), 3u);
  check_group_against_interpreter(g, group);
}

// Seeds and streams with high 32-bit words set: element e is 1/(1-p) exactly
// when philox_uniform(seed, stream, e) >= p.
TEST(CodegenDropout, BitIdenticalToPhiloxForWideSeeds) {
  const double p = 0.375;
  const int64_t stream = (int64_t{5} << 32) + 9;
  Graph g;
  ValueId seed = g.add_input("seed", {DType::i64, {}}, InputRole::seed);
  ValueId mask = dropout_mask(g, seed, {kBatch, 64}, p, stream);
  const Kernel k = lower_group(g, make_group(g, {mask}), "dropout_wide_seed");
  cpu::JitModule module = shared_jit().add(cpu::emit_module({k}, k.name));
  const int64_t rows = 5;
  for (int64_t seed_value : {int64_t{0x0123456789abcdef}, int64_t{-7}, int64_t{42}}) {
    std::vector<float> out(static_cast<size_t>(rows * 64), -1.0f);
    int64_t seed_buffer = seed_value;
    void* buffers[] = {&seed_buffer, out.data()};
    module.lookup(k.name)(buffers, rows, test_runtime());
    const float keep = static_cast<float>(1.0 / (1.0 - p));
    for (int64_t e = 0; e < rows * 64; ++e) {
      const float u = runtime::philox_uniform(static_cast<uint64_t>(seed_value), static_cast<uint64_t>(stream),
                                              static_cast<uint64_t>(e));
      ASSERT_EQ(out[static_cast<size_t>(e)], static_cast<double>(u) >= p ? keep : 0.0f)
          << "seed " << seed_value << " element " << e;
    }
  }
}

}  // namespace
}  // namespace graphc::codegen::testing
