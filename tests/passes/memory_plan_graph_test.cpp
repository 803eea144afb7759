// Memory planning of small graphs whose plan can be worked out by hand:
// which values get buffers and for how long, in-place writes, gradients
// written straight into the flat gradient buffer, the flat layouts, the
// report, and the errors for graphs and plans it cannot plan. Also: the
// checker catches every kind of broken plan injected into a correct one.
#include <gtest/gtest.h>

#include <algorithm>

#include "frontend/model_registry.h"
#include "memory_plan_fixtures.h"
#include "passes/autodiff.h"
#include "passes/in_place_reuse.h"
#include "passes/memory_plan.h"
#include "passes/simplify.h"

namespace graphc::passes {
namespace {

using graphc::testing::group_of;

// x[4,16] * w -> relu -> exp, then relu * exp, summed over the batch into
// w's "gradient"; the product is also an output. Values: x %0, w %1, a %2,
// r %3, e %4, m %5, s %6. Every f32[4,16] is 256 bytes.
Graph chain_graph() {
  Graph g("chain");
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 16}}, InputRole::data);
  ValueId w = g.add_parameter("w", {16}, InitSpec{"ones", {}});
  ValueId a = g.add(OpKind::mul, {x, w});
  ValueId r = g.add(OpKind::relu, {a});
  ValueId e = g.add(OpKind::exp, {r});
  ValueId m = g.add(OpKind::mul, {r, e});
  ValueId s = g.add(OpKind::reduce_sum, {m}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", false}});
  g.add_output("y", m, OutputRole::value);
  g.add_output("w", s, OutputRole::gradient);
  return g.with_batch(4);
}

std::string buffer_text(const ArenaBuffer& b) {
  return cat("%", b.value, " g", b.group, " [", b.first, ",", b.last, "] @", b.offset, " ", b.bytes, "B",
             b.aliases >= 0 ? cat(" over %", b.aliases) : std::string());
}

std::vector<std::string> buffer_texts(const MemoryPlan& m) {
  std::vector<std::string> texts;
  for (const ArenaBuffer& b : m.buffers) texts.push_back(buffer_text(b));
  return texts;
}

TEST(MemoryPlan, UnfusedChainReusesDyingInputsInPlace) {
  Graph g = chain_graph();
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  // a dies in relu and r is written over it; r is still read by the product,
  // so exp gets its own buffer; the product overwrites r (its first dying
  // input) and, as an output, lives to the last group. The sum is w's
  // gradient: written to the gradient buffer, not the arena.
  EXPECT_EQ(buffer_texts(m), (std::vector<std::string>{"%2 g0 [0,1] @0 256B", "%3 g1 [1,3] @0 256B over %2",
                                                       "%4 g2 [2,3] @256 256B", "%5 g3 [3,4] @0 256B over %3"}));
  EXPECT_EQ(m.in_place_count, 2);
  EXPECT_EQ(m.arena_bytes, 512);
  EXPECT_EQ(m.peak_live_bytes, 512);
  EXPECT_EQ(m.naive_bytes, 1024);
  ASSERT_EQ(m.gradient_writes.size(), 1u);
  EXPECT_EQ(m.gradient_writes[0].parameter, "w");
  EXPECT_EQ(m.gradient_writes[0].value, 6);
  EXPECT_TRUE(m.gradient_writes[0].direct);
  EXPECT_EQ(m.direct_gradient(6), &m.gradient_writes[0]);
  EXPECT_EQ(m.find(6), nullptr);
  ASSERT_NE(m.find(4), nullptr);
  EXPECT_EQ(m.find(4)->offset, 256);
}

TEST(MemoryPlan, WithoutInPlaceEveryLiveValueNeedsItsOwnBytes) {
  Graph g = chain_graph();
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan, {.alignment = 64, .in_place = false});
  check_memory_plan(g, plan, m);
  // Equal sizes go in order of their start: a at 0, r above it, e beside a
  // (a is dead by then), m above r and e.
  EXPECT_EQ(buffer_texts(m), (std::vector<std::string>{"%2 g0 [0,1] @0 256B", "%3 g1 [1,3] @256 256B",
                                                       "%4 g2 [2,3] @0 256B", "%5 g3 [3,4] @512 256B"}));
  EXPECT_EQ(m.in_place_count, 0);
  EXPECT_EQ(m.arena_bytes, 768);
  EXPECT_EQ(m.peak_live_bytes, 768);
}

TEST(MemoryPlan, FusedChainKeepsOnlyWhatCrossesAKernelBoundary) {
  Graph g = chain_graph();
  FusionPlan plan;
  plan.groups.push_back(group_of(g, GroupKind::elementwise, {2, 3, 4, 5}));
  plan.groups.push_back(group_of(g, GroupKind::reduction, {6}));
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  EXPECT_EQ(buffer_texts(m), (std::vector<std::string>{"%5 g0 [0,1] @0 256B"}));
  EXPECT_EQ(m.arena_bytes, 256);
}

TEST(MemoryPlan, ReportListsBuffersTotalsAndFlatBuffers) {
  Graph g = chain_graph();
  FusionPlan plan = unfused_plan(g);
  EXPECT_EQ(print_memory_plan(g, plan, plan_memory(g, plan)),
            "memory plan of chain: 5 groups, 4 arena buffers, 2 written in place, 0 reshape views, alignment 64\n"
            "  value   group  interval            offset        bytes  in-place  type\n"
            "  %2      0      [0, 1]                   0          256            f32[4,16]\n"
            "  %3      1      [1, 3]                   0          256  over %2   f32[4,16]\n"
            "  %4      2      [2, 3]                 256          256            f32[4,16]\n"
            "  %5      3      [3, 4]                   0          256  over %3   f32[4,16]\n"
            "arena 512 bytes; naive sum 1024 bytes; peak live 512 bytes; unfused naive sum 1088 bytes\n"
            "arena / peak live 1.000; arena / naive 0.500; arena / unfused naive 0.471\n"
            "flat parameters: 1 tensors, 16 f32 elements (64 bytes)\n"
            "  w                        %1      offset          0  size         16\n"
            "flat gradients: 1 tensors, 16 f32 elements (64 bytes)\n"
            "  w                        %6      offset          0  size         16\n");
}

TEST(MemoryPlan, FlatBuffersAlignEveryTensorAndSkipFrozenGradients) {
  Graph g("flat");
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 3}}, InputRole::data);
  ValueId p = g.add_parameter("p", {3}, InitSpec{"ones", {}});
  ValueId frozen = g.add_parameter("frozen", {20}, InitSpec{"ones", {}}, false);
  g.add_parameter("q", {5, 3}, InitSpec{"ones", {}});
  ValueId y = g.add(OpKind::mul, {x, p});
  ValueId s = g.add(OpKind::reduce_sum, {y}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", false}});
  ValueId t = g.add(OpKind::broadcast, {s}, {{"shape", std::vector<int64_t>{5, 3}}});
  g.add_output("sum", g.add(OpKind::reduce_sum, {frozen}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", false}}),
               OutputRole::value);
  g.add_output("p", s, OutputRole::gradient);
  g.add_output("q", t, OutputRole::gradient);
  g = g.with_batch(2);
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  // 64 bytes are 16 f32 elements: p at 0, frozen at 16, q at 48.
  ASSERT_EQ(m.parameters.entries.size(), 3u);
  EXPECT_EQ(m.parameters.find("p")->offset, 0);
  EXPECT_EQ(m.parameters.find("frozen")->offset, 16);
  EXPECT_EQ(m.parameters.find("q")->offset, 48);
  EXPECT_EQ(m.parameters.find("q")->size, 15);
  EXPECT_EQ(m.parameters.total, 64);
  EXPECT_EQ(m.parameters.bytes(), 256);
  // The frozen parameter has no gradient slot.
  ASSERT_EQ(m.gradients.entries.size(), 2u);
  EXPECT_EQ(m.gradients.find("p")->offset, 0);
  EXPECT_EQ(m.gradients.find("q")->offset, 16);
  EXPECT_EQ(m.gradients.find("frozen"), nullptr);
  EXPECT_EQ(m.gradients.total, 32);
  // p's gradient s is also read by the broadcast: the reader finds it in the
  // gradient buffer, so neither gradient takes arena bytes.
  EXPECT_NE(m.direct_gradient(s), nullptr);
  EXPECT_NE(m.direct_gradient(t), nullptr);
  EXPECT_EQ(m.find(s), nullptr);
  EXPECT_EQ(buffer_texts(m), (std::vector<std::string>{"%4 g0 [0,1] @0 24B", "%7 g3 [3,3] @0 4B"}));
  EXPECT_EQ(m.in_place_count, 0);  // the sum to [3] is no elementwise kernel
}

TEST(MemoryPlan, AValueThatIsTheGradientOfTwoParametersIsCopiedToTheSecond) {
  Graph g("shared");
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 4}}, InputRole::data);
  g.add_parameter("a", {4}, InitSpec{"ones", {}});
  g.add_parameter("b", {4}, InitSpec{"ones", {}});
  ValueId s = g.add(OpKind::reduce_sum, {x}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", false}});
  g.add_output("a", s, OutputRole::gradient);
  g.add_output("b", s, OutputRole::gradient);
  g = g.with_batch(3);
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  ASSERT_EQ(m.gradient_writes.size(), 2u);
  EXPECT_TRUE(m.gradient_writes[0].direct);
  EXPECT_FALSE(m.gradient_writes[1].direct);
  EXPECT_TRUE(m.buffers.empty());
  EXPECT_NE(print_memory_plan(g, plan, m).find("gradient 'b' is copied from %3 after the last group"),
            std::string::npos);
}

TEST(MemoryPlan, InPlaceNeedsElementwiseOpsFromInputToOutputAndMatchingElements) {
  Graph g("legal");
  ValueId x = g.add_input("x", {DType::f32, {4, 8}}, InputRole::data);
  ValueId w = g.add_parameter("w", {8, 8}, InitSpec{"ones", {}});
  ValueId e = g.add(OpKind::exp, {x});                                                                     // %2
  ValueId mask = g.add(OpKind::gt, {e, g.add_constant(1.0)});                                              // %4 bool
  ValueId as_float = g.add(OpKind::cast, {mask}, {{"dtype", DType::f32}});                                 // %5
  ValueId flat = g.add(OpKind::reshape, {as_float}, {{"shape", std::vector<int64_t>{32}}});                // %6
  ValueId doubled = g.add(OpKind::add, {flat, flat});                                                      // %7
  ValueId row = g.add(OpKind::reduce_sum, {e}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", false}});  // %8 [8]
  ValueId spread = g.add(OpKind::mul, {e, row});                                                           // %9 [4,8]
  ValueId t = g.add(OpKind::transpose, {spread}, {{"perm", std::vector<int64_t>{1, 0}}});                  // %10
  ValueId product = g.add(OpKind::matmul, {spread, w}, {{"transpose_a", false}, {"transpose_b", false}});  // %11
  ValueId masked = g.add(OpKind::mul, {product, as_float});                                                // %12
  ValueId e_product = g.add(OpKind::matmul, {e, w}, {{"transpose_a", false}, {"transpose_b", false}});     // %13
  ValueId e_masked = g.add(OpKind::mul, {e_product, e});                                                   // %14
  g.add_output("doubled", doubled, OutputRole::value);
  g.add_output("t", t, OutputRole::value);
  g.add_output("masked", masked, OutputRole::value);
  g.add_output("e_masked", e_masked, OutputRole::value);
  auto group = [&](GroupKind k, std::vector<ValueId> nodes) { return group_of(g, k, std::move(nodes)); };
  // Same element count and element size through elementwise ops and a reshape.
  EXPECT_FALSE(can_write_in_place(g, group(GroupKind::elementwise, {as_float, flat, doubled}), doubled, as_float))
      << "as_float is computed inside the group, it is no input";
  EXPECT_TRUE(can_write_in_place(g, group(GroupKind::elementwise, {flat, doubled}), doubled, as_float));
  // bool (1 byte) to f32 (4 bytes): element i would land on other bytes.
  EXPECT_FALSE(can_write_in_place(g, group(GroupKind::elementwise, {as_float}), as_float, mask));
  // The [8] row is broadcast over the [4,8] output: it may not be overwritten.
  EXPECT_FALSE(can_write_in_place(g, group(GroupKind::elementwise, {spread}), spread, row));
  EXPECT_TRUE(can_write_in_place(g, group(GroupKind::elementwise, {spread}), spread, e));
  // A transpose reads other elements; so does a reduction.
  EXPECT_FALSE(can_write_in_place(g, group(GroupKind::elementwise, {spread, t}), t, e));
  EXPECT_FALSE(can_write_in_place(g, group(GroupKind::reduction, {row, spread}), spread, e));
  // A matmul's epilogue may overwrite the mask only it reads, not an operand
  // of the matmul itself.
  EXPECT_TRUE(can_write_in_place(g, group(GroupKind::contraction, {product, masked}), masked, as_float));
  EXPECT_FALSE(can_write_in_place(g, group(GroupKind::contraction, {e_product, e_masked}), e_masked, e));
}

TEST(MemoryPlan, AnInputAliveAfterTheGroupOrReadByTheCallerIsNotOverwritten) {
  Graph g("keep");
  ValueId x = g.add_input("x", {DType::f32, {8}}, InputRole::data);
  ValueId e = g.add(OpKind::exp, {x});     // %1: an output, so it must survive
  ValueId n = g.add(OpKind::neg, {e});     // %2
  ValueId l = g.add(OpKind::log, {n});     // %3: n is read again below
  ValueId s = g.add(OpKind::add, {l, n});  // %4: l dies here, n does not
  ValueId p = g.add(OpKind::mul, {s, n});  // %5: both die here
  g.add_output("e", e, OutputRole::value);
  g.add_output("p", p, OutputRole::value);
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  EXPECT_EQ(m.find(n)->aliases, -1);
  EXPECT_EQ(m.find(l)->aliases, -1);
  EXPECT_EQ(m.find(s)->aliases, l);
  EXPECT_TRUE(m.find(p)->aliases == s || m.find(p)->aliases == n) << m.find(p)->aliases;
  EXPECT_EQ(m.in_place_count, 2);
}

TEST(MemoryPlan, OnlyTheOneOutputThatNeedsAnInputMayOverwriteIt) {
  Graph g("two_outputs");
  ValueId x = g.add_input("x", {DType::f32, {8}}, InputRole::data);
  ValueId a = g.add(OpKind::exp, {x});   // %1
  ValueId b = g.add(OpKind::neg, {a});   // %2, an output of the fused group below
  ValueId c = g.add(OpKind::abs, {b});   // %3, the other output, also from a
  ValueId d = g.add(OpKind::relu, {a});  // %4: reads a only
  g.add_output("c", c, OutputRole::value);
  g.add_output("b", b, OutputRole::value);
  g.add_output("d", d, OutputRole::value);
  FusedGroup both = group_of(g, GroupKind::elementwise, {b, c});
  EXPECT_FALSE(can_write_in_place(g, both, b, a));
  EXPECT_FALSE(can_write_in_place(g, both, c, a));
  FusedGroup one = group_of(g, GroupKind::elementwise, {c});
  EXPECT_TRUE(can_write_in_place(g, one, c, b));
  EXPECT_FALSE(can_write_in_place(g, one, c, a)) << "c's group does not read a";
}

TEST(MemoryPlan, ReshapesAreViewsOfTheStorageTheyReshape) {
  Graph g("views");
  ValueId x = g.add_input("x", {DType::f32, {4, 2, 8}}, InputRole::data);
  ValueId w = g.add_parameter("w", {16}, InitSpec{"ones", {}});
  auto reshape = [&](ValueId v, std::vector<int64_t> shape) {
    return g.add(OpKind::reshape, {v}, {{"shape", std::move(shape)}});
  };
  ValueId flat = reshape(x, {4, 16});         // %2: a view of the input x
  ValueId e = g.add(OpKind::exp, {flat});     // %3
  ValueId e_view = reshape(e, {64});          // %4: a view of e, read at the end
  ValueId e_view2 = reshape(e_view, {8, 8});  // %5: a view of a view: of e
  ValueId n = g.add(OpKind::neg, {e});        // %6: e dies here, but its views do not
  ValueId y = g.add(OpKind::mul, {flat, w});  // %7
  ValueId s = g.add(OpKind::reduce_sum, {y}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", false}});  // %8
  ValueId gw = reshape(s, {16});  // %9: w's gradient, written to its slot
  g.add_output("n", n, OutputRole::value);
  g.add_output("e2", e_view2, OutputRole::value);
  g.add_output("w", gw, OutputRole::gradient);
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  ASSERT_EQ(m.views.size(), 3u);
  EXPECT_EQ(m.view(flat)->of, x);
  EXPECT_EQ(m.view(e_view)->of, e);
  EXPECT_EQ(m.view(e_view2)->of, e);
  EXPECT_EQ(m.view(gw), nullptr);
  EXPECT_NE(m.direct_gradient(gw), nullptr);
  EXPECT_FALSE(m.runs_kernel(0));
  EXPECT_FALSE(m.runs_kernel(2));
  EXPECT_FALSE(m.runs_kernel(3));
  EXPECT_TRUE(m.runs_kernel(1));
  EXPECT_TRUE(m.runs_kernel(7));  // the gradient's reshape copies into the slot
  // e's bytes stay in use until the end through its views, so neg may not
  // overwrite it; s is read by the gradient's copy.
  EXPECT_EQ(buffer_texts(m), (std::vector<std::string>{"%3 g1 [1,7] @0 256B", "%6 g4 [4,7] @256 256B",
                                                       "%7 g5 [5,6] @512 256B", "%8 g6 [6,7] @768 64B"}));
  EXPECT_NE(print_memory_plan(g, plan, m).find("  %5 (group 3) is a reshape view of %3, no kernel\n"),
            std::string::npos);
}

TEST(MemoryPlan, AReshapeOutputOfAFusedGroupIsAViewAndIsNotWritten) {
  // The mnist pattern: the flattened input feeds the forward matmul in its
  // kernel and is read again by the weight gradient.
  Graph g("fused_views");
  ValueId x = g.add_input("x", {DType::f32, {4, 2, 8}}, InputRole::data);
  ValueId w = g.add_parameter("w", {16, 16}, InitSpec{"ones", {}});
  ValueId flat = g.add(OpKind::reshape, {x}, {{"shape", std::vector<int64_t>{4, 16}}});  // %2
  ValueId mm = g.add(OpKind::matmul, {flat, w}, {{"transpose_a", false}, {"transpose_b", false}});  // %3
  ValueId mm_flat = g.add(OpKind::reshape, {mm}, {{"shape", std::vector<int64_t>{64}}});   // %4
  ValueId dw = g.add(OpKind::matmul, {mm, flat}, {{"transpose_a", true}, {"transpose_b", false}});  // %5
  ValueId e = g.add(OpKind::exp, {mm_flat});                                                 // %6
  g.add_output("w", dw, OutputRole::gradient);
  g.add_output("e", e, OutputRole::value);
  FusionPlan plan;
  plan.groups.push_back(group_of(g, GroupKind::contraction, {flat, mm, mm_flat}));
  plan.groups.push_back(group_of(g, GroupKind::contraction, {dw}));
  plan.groups.push_back(group_of(g, GroupKind::elementwise, {e}));
  check_fusion_plan(g, plan);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  ASSERT_EQ(m.views.size(), 2u);
  EXPECT_EQ(m.view(flat)->of, x);
  EXPECT_EQ(m.view(mm_flat)->of, mm);
  EXPECT_TRUE(m.runs_kernel(0));
  // mm's bytes serve its view until the exp reads it in the last group; the
  // exp may not overwrite them: it reads the view, not a buffer.
  EXPECT_EQ(buffer_texts(m), (std::vector<std::string>{"%3 g0 [0,2] @0 256B", "%6 g2 [2,2] @256 256B"}));
}

TEST(MemoryPlan, RejectsAGraphWithTheBatchSymbol) {
  Graph unbound("unbound");
  ValueId x = unbound.add_input("x", {DType::f32, {kBatch, 16}}, InputRole::data);
  unbound.add_output("y", unbound.add(OpKind::relu, {x}), OutputRole::value);
  try {
    plan_memory(unbound, unfused_plan(unbound));
    FAIL() << "expected graphc::Error";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("%0 (input) of graph unbound has type f32[N,16]"), std::string::npos)
        << err.what();
    EXPECT_NE(std::string(err.what()).find("with_batch"), std::string::npos) << err.what();
  }
}

TEST(MemoryPlan, RejectsAPlanThatIsNotASchedule) {
  Graph g = chain_graph();
  FusionPlan plan = unfused_plan(g);
  std::swap(plan.groups[1], plan.groups[2]);  // exp before the relu it reads
  EXPECT_THROW(
      {
        try {
          plan_memory(g, plan);
        } catch (const Error& err) {
          EXPECT_STREQ(err.what(), "fusion group 1 reads %3 (relu), which no earlier group writes");
          throw;
        }
      },
      Error);
  FusionPlan missing = unfused_plan(g);
  missing.groups.pop_back();  // nobody writes the gradient output
  EXPECT_THROW(plan_memory(g, missing), Error);
}

TEST(MemoryPlan, RejectsParametersOfMixedTypes) {
  Graph g("mixed");
  g.add_parameter("a", {4}, InitSpec{"ones", {}});
  g.add_parameter("b", {4}, InitSpec{"ones", {}}, true, DType::f64);
  EXPECT_THROW(
      {
        try {
          plan_memory(g, FusionPlan{});
        } catch (const Error& err) {
          EXPECT_STREQ(err.what(), "parameter 'b' is f64[4] but the flat parameter buffer holds f32 (the type of 'a')");
          throw;
        }
      },
      Error);
}

// --- the checker against injected faults, on a real training graph ---

struct PlannedModel {
  Graph g;
  FusionPlan plan;
  MemoryPlan memory;
};

PlannedModel plan_mnist_mlp() {
  Graph training = build_training_graph(build_model("mnist_mlp"));
  simplify(training);
  PlannedModel p{training.with_batch(8), {}, {}};
  p.plan = unfused_plan(p.g);
  p.memory = plan_memory(p.g, p.plan);
  return p;
}

std::string check_error(const PlannedModel& p, const MemoryPlan& broken) {
  try {
    check_memory_plan(p.g, p.plan, broken);
  } catch (const Error& err) {
    return err.what();
  }
  return "no error";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(MemoryPlanCheck, AcceptsThePlannedPlan) {
  PlannedModel p = plan_mnist_mlp();
  EXPECT_EQ(check_error(p, p.memory), "no error");
  EXPECT_GT(p.memory.in_place_count, 0);
}

TEST(MemoryPlanCheck, CatchesTwoLiveBuffersMovedOntoEachOther) {
  PlannedModel p = plan_mnist_mlp();
  MemoryPlan broken = p.memory;
  // Move a buffer that takes no part in an in-place write onto another
  // buffer live at the same time, at least as large.
  auto in_place_pair = [&](const ArenaBuffer& b) {
    return b.aliases >= 0 || std::any_of(broken.buffers.begin(), broken.buffers.end(),
                                         [&](const ArenaBuffer& o) { return o.aliases == b.value; });
  };
  for (ArenaBuffer& a : broken.buffers)
    for (ArenaBuffer& b : broken.buffers) {
      if (&a == &b || a.first > b.last || b.first > a.last || in_place_pair(b)) continue;
      if (a.offset == b.offset || b.bytes > a.bytes) continue;
      b.offset = a.offset;
      EXPECT_TRUE(contains(check_error(p, broken), "are live at once and overlap in the arena"))
          << check_error(p, broken);
      return;
    }
  FAIL() << "no two buffers live at once";
}

TEST(MemoryPlanCheck, CatchesMisalignedAndOutOfArenaBuffers) {
  PlannedModel p = plan_mnist_mlp();
  MemoryPlan misaligned = p.memory;
  misaligned.buffers[0].offset += 4;
  EXPECT_TRUE(contains(check_error(p, misaligned), "is not 64-byte aligned")) << check_error(p, misaligned);
  MemoryPlan small = p.memory;
  small.arena_bytes -= 64;
  EXPECT_TRUE(contains(check_error(p, small), "runs past the end of the")) << check_error(p, small);
}

TEST(MemoryPlanCheck, CatchesWrongLifetimesAndMissingBuffers) {
  PlannedModel p = plan_mnist_mlp();
  MemoryPlan shortened = p.memory;
  shortened.buffers[0].last -= 1;
  EXPECT_TRUE(contains(check_error(p, shortened), "but lives over groups")) << check_error(p, shortened);
  MemoryPlan missing = p.memory;
  missing.buffers.pop_back();
  EXPECT_TRUE(contains(check_error(p, missing), "has no buffer")) << check_error(p, missing);
  MemoryPlan twice = p.memory;
  twice.buffers.push_back(twice.buffers.front());
  EXPECT_TRUE(contains(check_error(p, twice), "has two arena buffers")) << check_error(p, twice);
}

TEST(MemoryPlanCheck, CatchesAnInPlaceWriteOverAnInputThatStaysLive) {
  PlannedModel p = plan_mnist_mlp();
  MemoryPlan broken = p.memory;
  // Declare a buffer in place over an input of its group that is read later.
  for (ArenaBuffer& b : broken.buffers) {
    if (b.aliases >= 0) continue;
    for (ValueId input : p.plan.groups[b.group].inputs) {
      const ArenaBuffer* in = broken.find(input);
      if (!in || in->last == b.first) continue;
      b.aliases = input;
      EXPECT_TRUE(contains(check_error(p, broken), "may not be written in place") ||
                  contains(check_error(p, broken), "still live after group"))
          << check_error(p, broken);
      return;
    }
  }
  FAIL() << "no buffer reads an input that stays live";
}

TEST(MemoryPlanCheck, CatchesASkippedKernelWhoseOutputIsNoView) {
  PlannedModel p = plan_mnist_mlp();
  MemoryPlan skipped = p.memory;
  skipped.group_runs[1] = false;  // the first matmul
  EXPECT_TRUE(
      contains(check_error(p, skipped), "group 1 is marked to skip its kernel, but not all its outputs are views"))
      << check_error(p, skipped);
  MemoryPlan wrong_owner = p.memory;
  ASSERT_FALSE(wrong_owner.views.empty());
  wrong_owner.views[0].of = wrong_owner.buffers[0].value;
  EXPECT_TRUE(contains(check_error(p, wrong_owner), "as its storage, expected")) << check_error(p, wrong_owner);
}

TEST(MemoryPlanCheck, CatchesAViewWhoseOwnerDiesTooEarly) {
  // A buffer that is only reshaped, then read through the view, must live as
  // long as its view does.
  Graph g("view_lifetime");
  ValueId x = g.add_input("x", {DType::f32, {4, 16}}, InputRole::data);
  ValueId e = g.add(OpKind::exp, {x});
  ValueId flat = g.add(OpKind::reshape, {e}, {{"shape", std::vector<int64_t>{64}}});
  ValueId n = g.add(OpKind::neg, {x});
  g.add_output("n", n, OutputRole::value);
  g.add_output("flat", flat, OutputRole::value);
  FusionPlan plan = unfused_plan(g);
  MemoryPlan m = plan_memory(g, plan);
  check_memory_plan(g, plan, m);
  MemoryPlan broken = m;
  for (ArenaBuffer& b : broken.buffers)
    if (b.value == e) b.last = b.first;  // as if the view did not keep it
  EXPECT_THROW(check_memory_plan(g, plan, broken), Error);
}

TEST(MemoryPlanCheck, CatchesOverlappingFlatSlots) {
  PlannedModel p = plan_mnist_mlp();
  MemoryPlan broken = p.memory;
  broken.parameters.entries[1].offset = 16;  // inside the first weight
  EXPECT_TRUE(contains(check_error(p, broken), "overlaps the slot before it")) << check_error(p, broken);
  MemoryPlan indirect = p.memory;
  indirect.gradient_writes[0].direct = false;  // its value then has no buffer
  EXPECT_TRUE(contains(check_error(p, indirect), "has no buffer")) << check_error(p, indirect);
}

}  // namespace
}  // namespace graphc::passes
