// Pooling and its gradients against the interpreter: strides, padding (as
// -inf for max, counted or not for avg), dilation, windows that overlap,
// leave rows out or lie wholly in the padding; ties, -inf and NaN inputs for
// the first-maximum rule; and the fused groups fusion builds around pools
// (a mask epilogue, a flatten after the pool, a reshape before the gradient),
// which must need no scratch buffer.
#include <limits>

#include "codegen/cpu/llvm_module.h"
#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

using Ints = std::vector<int64_t>;

struct PoolCase {
  Shape x;
  Ints kernel, stride, padding, dilation;
};

// Geometries: the usual 2x2/2, overlapping 3x3/1 and 3x3/2 with padding,
// rows left out (7 with 2x2/2), a stride larger than the kernel, unequal
// axes, dilation, and a window lying wholly in the padding (rows -1 and 2 of
// a 2-row input, dilation 3).
std::vector<PoolCase> pool_cases() {
  return {{{kBatch, 3, 8, 8}, {2, 2}, {2, 2}, {0, 0}, {1, 1}},
          {{kBatch, 2, 7, 7}, {2, 2}, {2, 2}, {0, 0}, {1, 1}},
          {{kBatch, 2, 6, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}},
          {{kBatch, 2, 9, 8}, {3, 3}, {2, 2}, {1, 1}, {1, 1}},
          {{kBatch, 1, 8, 9}, {2, 2}, {3, 3}, {0, 1}, {1, 1}},
          {{kBatch, 2, 5, 9}, {2, 3}, {1, 2}, {1, 1}, {1, 1}},
          {{kBatch, 2, 9, 9}, {3, 2}, {1, 2}, {1, 1}, {2, 3}},
          {{kBatch, 1, 2, 4}, {2, 2}, {1, 1}, {1, 0}, {3, 1}}};
}

ValueId max_pool(Graph& g, ValueId x, const PoolCase& c) {
  return g.add(OpKind::max_pool2d, {x},
               {{"kernel", c.kernel}, {"stride", c.stride}, {"padding", c.padding}, {"dilation", c.dilation}});
}

ValueId max_pool_grad(Graph& g, ValueId dy, ValueId x, const PoolCase& c) {
  return g.add(OpKind::max_pool2d_grad, {dy, x},
               {{"kernel", c.kernel}, {"stride", c.stride}, {"padding", c.padding}, {"dilation", c.dilation}});
}

AttrMap avg_attrs(const PoolCase& c, bool count_include_pad) {
  return {{"kernel", c.kernel}, {"stride", c.stride}, {"padding", c.padding}, {"count_include_pad", count_include_pad}};
}

TEST(CodegenWindow, MaxPool) {
  for (const PoolCase& c : pool_cases()) {
    SCOPED_TRACE(c.x.str());
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
    check_node(g, max_pool(g, x, c));
  }
}

TEST(CodegenWindow, AvgPoolCountingPaddingOrNot) {
  for (const PoolCase& c : pool_cases()) {
    if (c.dilation != Ints{1, 1}) continue;  // avg pools have no dilation
    for (bool count_include_pad : {true, false}) {
      SCOPED_TRACE(cat(c.x.str(), " count_include_pad ", count_include_pad));
      Graph g;
      ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
      check_node(g, g.add(OpKind::avg_pool2d, {x}, avg_attrs(c, count_include_pad)));
    }
  }
}

// dx for x drawn four ways: distinct values (every geometry); and, for a
// tiling, an overlapping (first maxima precomputed) and a dilated geometry:
// relu(x) (half zeros, so windows tie and the first maximum must win);
// log(relu(x)) (-inf ties, and windows of -inf only, whose gradient still
// goes to their first element); sqrt(x) (NaNs, which beat numbers). The
// transform runs in a group of its own: the gradient reads it as an input.
TEST(CodegenWindow, MaxPoolGradGoesToTheFirstMaximum) {
  const std::vector<PoolCase> cases = pool_cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const PoolCase& c = cases[i];
    const int variants = i == 0 || i == 3 || i == 6 ? 4 : 1;
    for (int inputs = 0; inputs < variants; ++inputs) {
      SCOPED_TRACE(cat(c.x.str(), " inputs ", inputs));
      Graph g;
      ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
      if (inputs >= 1 && inputs <= 2) x = g.add(OpKind::relu, {x});
      if (inputs == 2) x = g.add(OpKind::log, {x});
      if (inputs == 3) x = g.add(OpKind::sqrt, {x});
      const Shape y = g.type(max_pool(g, x, c)).shape;
      ValueId dy = g.add_input("dy", {DType::f32, y}, InputRole::data);
      ValueId dx = max_pool_grad(g, dy, x, c);
      check_group_against_interpreter(g, make_group(g, {dx}));
    }
  }
}

TEST(CodegenWindow, AvgPoolGrad) {
  for (const PoolCase& c : pool_cases()) {
    if (c.dilation != Ints{1, 1}) continue;
    for (bool count_include_pad : {true, false}) {
      SCOPED_TRACE(cat(c.x.str(), " count_include_pad ", count_include_pad));
      Graph g;
      ValueId probe = g.add_input("probe", {DType::f32, c.x}, InputRole::data);
      const Shape y = g.type(g.add(OpKind::avg_pool2d, {probe}, avg_attrs(c, count_include_pad))).shape;
      ValueId dy = g.add_input("dy", {DType::f32, y}, InputRole::data);
      AttrMap attrs = avg_attrs(c, count_include_pad);
      attrs["input_shape"] = c.x.dims();
      check_node(g, g.add(OpKind::avg_pool2d_grad, {dy}, attrs));
    }
  }
}

size_t count_stmts(const std::vector<Stmt>& body, StmtKind kind) {
  size_t n = 0;
  for (const Stmt& s : body) n += (s.kind == kind) + count_stmts(s.body, kind);
  return n;
}

size_t scratch_buffers(const Kernel& k) {
  size_t n = 0;
  for (const Buffer& b : k.buffers) n += b.role == BufferRole::scratch;
  return n;
}

// Inside windows need no guard; the output-column loop is vectorised once
// the two small tap loops are unrolled, also when its rows are shorter than
// LLVM's own threshold (lenet's 28-wide planes give 14 windows a row): the
// window's register is reset by every iteration, so forcing it reorders no
// sum.
TEST(CodegenWindow, InteriorWindowsAreUnguardedAndVectorised) {
  for (int64_t side : {32, 28}) {
    SCOPED_TRACE(cat("side ", side));
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, {kBatch, 16, side, side}}, InputRole::data);
    const PoolCase c{{kBatch, 16, side, side}, {2, 2}, {2, 2}, {0, 0}, {1, 1}};
    ValueId y = max_pool(g, x, c);
    ValueId dy = g.add_input("dy", {DType::f32, g.type(y).shape}, InputRole::data);
    ValueId dx = max_pool_grad(g, dy, x, c);
    for (ValueId v : {y, dx}) {
      const Kernel k = lower_group(g, make_group(g, {v}), cat("pool_", v));
      EXPECT_EQ(count_stmts(k.body, StmtKind::if_then), 0u) << print_kernel(k);
      const std::string text = cpu::emit_llvm_text({k}, "graphc_test");
      EXPECT_NE(text.find(" x float>"), std::string::npos) << "not vectorised:\n" << print_kernel(k);
    }
  }
}

// A 3x3/2 window serves four blocks of the gather: its first maximum is
// found once, into i32 scratch; 2x2/2 windows tile the input and need none.
TEST(CodegenWindow, OverlappingWindowsFindTheirFirstMaximumOnce) {
  for (const PoolCase& c : {PoolCase{{kBatch, 2, 9, 8}, {3, 3}, {2, 2}, {1, 1}, {1, 1}},
                            PoolCase{{kBatch, 2, 8, 8}, {2, 2}, {2, 2}, {0, 0}, {1, 1}}}) {
    Graph g;
    ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
    ValueId dy = g.add_input("dy", {DType::f32, g.type(max_pool(g, x, c)).shape}, InputRole::data);
    const Kernel k = lower_group(g, make_group(g, {max_pool_grad(g, dy, x, c)}));
    const bool overlapping = c.kernel[0] > c.stride[0];
    ASSERT_EQ(scratch_buffers(k), overlapping ? 1u : 0u) << print_kernel(k);
    if (overlapping) {
      EXPECT_EQ(k.buffers.back().dtype, DType::i32);
    }
  }
}

// kernel 18 of lenet's training step: dx of the pool times the relu mask,
// stored once (no scratch for the pool's gradient).
TEST(CodegenWindow, GradientWithMaskEpilogueStoresOnlyTheProduct) {
  Graph g;
  const PoolCase c{{kBatch, 3, 8, 8}, {2, 2}, {2, 2}, {0, 0}, {1, 1}};
  ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
  ValueId dy = g.add_input("dy", {DType::f32, {kBatch, 3, 4, 4}}, InputRole::data);
  ValueId mask = g.add_input("mask", {DType::boolean, c.x}, InputRole::data);
  ValueId dx = max_pool_grad(g, dy, x, c);
  ValueId wide = g.add(OpKind::cast, {mask}, {{"dtype", DType::f32}});
  ValueId out = g.add(OpKind::mul, {dx, wide});
  const passes::FusedGroup group = make_group(g, {dx, wide, out}, {out}, passes::GroupKind::window);
  EXPECT_EQ(scratch_buffers(lower_group(g, group)), 0u);
  check_group_against_interpreter(g, group);
}

// kernel 3 of lenet: the pool flattened for the classifier; the pool writes
// the flat output directly. Kernel 15: the gradient of a flattened dy.
TEST(CodegenWindow, FlattenAfterThePoolAndBeforeItsGradient) {
  Graph g;
  const PoolCase c{{kBatch, 4, 6, 6}, {2, 2}, {2, 2}, {0, 0}, {1, 1}};
  ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
  ValueId y = max_pool(g, x, c);
  ValueId flat = g.add(OpKind::reshape, {y}, {{"shape", Ints{kBatch, 36}}});
  const passes::FusedGroup forward = make_group(g, {y, flat}, {flat}, passes::GroupKind::window);
  EXPECT_EQ(scratch_buffers(lower_group(g, forward)), 0u);
  check_group_against_interpreter(g, forward);

  ValueId dflat = g.add_input("dflat", {DType::f32, {kBatch, 36}}, InputRole::data);
  ValueId dy = g.add(OpKind::reshape, {dflat}, {{"shape", Ints{kBatch, 4, 3, 3}}});
  ValueId dx = max_pool_grad(g, dy, x, c);
  check_group_against_interpreter(g, make_group(g, {dy, dx}, {dx}, passes::GroupKind::window));
}

// An epilogue that also feeds a reduction keeps the pool's value in a buffer
// for it (the reduction runs after the pool's nest).
TEST(CodegenWindow, PoolReadByAnEpilogueAndAReduction) {
  Graph g;
  const PoolCase c{{kBatch, 2, 6, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1}};
  ValueId x = g.add_input("x", {DType::f32, c.x}, InputRole::data);
  ValueId b = g.add_input("b", {DType::f32, {2, 1, 1}}, InputRole::data);
  ValueId y = g.add(OpKind::avg_pool2d, {x}, avg_attrs(c, false));
  ValueId biased = g.add(OpKind::add, {y, b});
  ValueId total = g.add(OpKind::reduce_sum, {biased}, {{"axes", Ints{0, 2, 3}}, {"keepdims", false}});
  check_group_against_interpreter(g, make_group(g, {y, biased, total}, {biased, total}, passes::GroupKind::window));
}

}  // namespace
}  // namespace graphc::codegen::testing
