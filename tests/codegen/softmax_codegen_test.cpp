// softmax, log_softmax (along every axis, N included) and
// softmax_cross_entropy against the interpreter; the fused loss group of the
// classifiers (loss, accuracy and the logits' gradient in one kernel, one
// row nest); and labels outside [0, C), which the interpreter rejects and a
// kernel turns into a NaN loss without reading out of range.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tests/codegen/codegen_test_util.h"

namespace graphc::codegen::testing {
namespace {

TEST(CodegenSoftmax, SoftmaxAndLogSoftmaxAlongEveryAxis) {
  for (OpKind op : {OpKind::softmax, OpKind::log_softmax}) {
    for (int64_t axis = 0; axis < 3; ++axis) {
      SCOPED_TRACE(cat(op_name(op), " axis ", axis));
      Graph g;
      ValueId x = g.add_input("x", {DType::f32, {kBatch, 4, 7}}, InputRole::data);
      check_node(g, g.add(op, {x}, {{"axis", axis}}), {-20, 20});
    }
  }
}

TEST(CodegenSoftmax, SingleRowAndDoublePrecision) {
  Graph g;
  ValueId row = g.add_input("row", {DType::f32, {9}}, InputRole::data);
  check_node(g, g.add(OpKind::softmax, {row}, {{"axis", int64_t{0}}}));
  ValueId wide = g.add_input("wide", {DType::f64, {kBatch, 5}}, InputRole::data);
  check_node(g, g.add(OpKind::log_softmax, {wide}, {{"axis", int64_t{1}}}));
}

// The harness draws labels in [0, 10): with 10 or more classes all are valid.
TEST(CodegenSoftmax, CrossEntropyWithEachLabelType) {
  for (DType label_type : {DType::i32, DType::i64, DType::u8}) {
    for (int64_t classes : {10, 13}) {
      SCOPED_TRACE(cat(dtype_name(label_type), " classes ", classes));
      Graph g;
      ValueId logits = g.add_input("logits", {DType::f32, {kBatch, classes}}, InputRole::data);
      ValueId labels = g.add_input("labels", {label_type, {kBatch}}, InputRole::label);
      check_node(g, g.add(OpKind::softmax_cross_entropy, {logits, labels}), {-30, 30});
    }
  }
}

size_t count_parallel_loops(const std::vector<Stmt>& body) {
  size_t n = 0;
  for (const Stmt& s : body) n += (s.kind == StmtKind::loop && s.parallel) + count_parallel_loops(s.body);
  return n;
}

// The classifier loss group as fusion builds it (kernel 7 of lenet): the
// per-sample loss, the accuracy, and (softmax - one_hot) * (dloss / N).
// Loss and softmax share one row nest; the gradient is stored from it.
TEST(CodegenSoftmax, FusedLossGroupSharesOneRowNest) {
  Graph g;
  ValueId logits = g.add_input("logits", {DType::f32, {kBatch, 10}}, InputRole::data);
  ValueId labels = g.add_input("labels", {DType::i32, {kBatch}}, InputRole::label);
  ValueId seed = g.add_input("dloss", {DType::f32, {}}, InputRole::data);
  ValueId count = g.add_input("count", {DType::f32, {}}, InputRole::data);
  ValueId loss = g.add(OpKind::softmax_cross_entropy, {logits, labels});
  ValueId best = g.add(OpKind::argmax, {logits}, {{"axis", int64_t{1}}});
  ValueId hit = g.add(OpKind::eq, {best, labels});
  ValueId correct = g.add(OpKind::cast, {hit}, {{"dtype", DType::f32}});
  ValueId scale = g.add(OpKind::div, {seed, count});
  ValueId hot = g.add(OpKind::one_hot, {labels}, {{"classes", int64_t{10}}});
  ValueId probs = g.add(OpKind::softmax, {logits}, {{"axis", int64_t{1}}});
  ValueId diff = g.add(OpKind::sub, {probs, hot});
  ValueId grad = g.add(OpKind::mul, {diff, scale});
  const passes::FusedGroup group = make_group(g, {loss, best, hit, correct, scale, hot, probs, diff, grad},
                                              {loss, correct, grad}, passes::GroupKind::softmax);
  const Kernel k = lower_group(g, group);
  // The softmax is consumed in its own nest: no buffer holds it (argmax's
  // result, read by the accuracy's nest, is the one scratch buffer).
  for (const Buffer& b : k.buffers) EXPECT_NE(b.value, probs) << print_kernel(k);
  // One nest for the rows (loss and gradient), one for argmax, one for the accuracy.
  EXPECT_EQ(count_parallel_loops(k.body), 3u) << print_kernel(k);
  check_group_against_interpreter(g, group, {3, 7}, {-5, 5});
}

TEST(CodegenSoftmax, LogSoftmaxWithNllLikeEpilogue) {
  Graph g;
  ValueId x = g.add_input("x", {DType::f32, {kBatch, 6}}, InputRole::data);
  ValueId labels = g.add_input("labels", {DType::i64, {kBatch}}, InputRole::label);
  ValueId logp = g.add(OpKind::log_softmax, {x}, {{"axis", int64_t{1}}});
  ValueId hot = g.add(OpKind::one_hot, {labels}, {{"classes", int64_t{6}}});
  ValueId picked = g.add(OpKind::mul, {logp, hot});
  ValueId probs = g.add(OpKind::exp, {logp});
  check_group_against_interpreter(g, make_group(g, {logp, hot, picked, probs}, {logp, picked, probs}));
}

// Labels -1, 5 and 7 for 5 classes: those rows' losses are NaN, the others
// are logsumexp(row) - row[label].
TEST(CodegenSoftmax, OutOfRangeLabelsGiveANanLoss) {
  Graph g;
  ValueId logits = g.add_input("logits", {DType::f32, {kBatch, 5}}, InputRole::data);
  ValueId labels = g.add_input("labels", {DType::i32, {kBatch}}, InputRole::label);
  ValueId loss = g.add(OpKind::softmax_cross_entropy, {logits, labels});
  const Kernel k = lower_group(g, make_group(g, {loss}), "sce_out_of_range");
  ASSERT_EQ(k.buffers.size(), 3u);
  cpu::JitModule module = shared_jit().add(cpu::emit_module({k}, k.name));
  const std::vector<int32_t> label_values = {0, -1, 4, 5, 2, 7};
  const int64_t rows = static_cast<int64_t>(label_values.size());
  std::vector<float> x(static_cast<size_t>(rows * 5)), out(static_cast<size_t>(rows), 0.0f);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(static_cast<double>(i)) * 3);
  std::vector<int32_t> label_buffer = label_values;
  void* buffers[] = {x.data(), label_buffer.data(), out.data()};
  module.lookup(k.name)(buffers, rows, test_runtime());
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t label = label_values[static_cast<size_t>(r)];
    if (label < 0 || label >= 5) {
      EXPECT_TRUE(std::isnan(out[static_cast<size_t>(r)])) << "row " << r << " label " << label;
      continue;
    }
    double max = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t c = 0; c < 5; ++c) max = std::max(max, static_cast<double>(x[static_cast<size_t>(r * 5 + c)]));
    for (int64_t c = 0; c < 5; ++c) sum += std::exp(x[static_cast<size_t>(r * 5 + c)] - max);
    const double want = max + std::log(sum) - x[static_cast<size_t>(r * 5 + label)];
    EXPECT_NEAR(out[static_cast<size_t>(r)], want, 1e-4 * std::max(1.0, std::fabs(want))) << "row " << r;
  }
}

}  // namespace
}  // namespace graphc::codegen::testing
