// Losses record PyTorch's formulas (mean reduction) and check their operands;
// classifier_outputs declares the outputs every classifier trainer reads.
#include <gtest/gtest.h>

#include "frontend/nn.h"
#include "ir/verifier.h"
#include "tests/frontend/graph_query.h"

namespace graphc::nn {
namespace {

using testing_util::expr;
using testing_util::output_expr;

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

struct ClassBatch : ::testing::Test {
  Graph g;
  Builder b{g};
  Tensor logits = b.input("logits", DType::f32, {kBatch, 10});
  Tensor labels = b.input("y", DType::i32, {kBatch}, InputRole::label);
};

TEST_F(ClassBatch, CrossEntropyIsTheMeanOfTheFusedOp) {
  Tensor loss = cross_entropy(logits, labels);
  EXPECT_EQ(loss.type().str(), "f32[]");
  EXPECT_EQ(expr(loss), "div(reduce_sum(softmax_cross_entropy(logits, y)), N)");
}

TEST_F(ClassBatch, NllLossPicksTheLabelledLogProbability) {
  Tensor loss = nll_loss(log_softmax(logits), labels);
  EXPECT_EQ(loss.type().str(), "f32[]");
  EXPECT_EQ(expr(loss), "div(reduce_sum(neg(reduce_sum(mul(log_softmax(logits), one_hot(y))))), N)");
}

TEST_F(ClassBatch, ClassOperandsAreChecked) {
  Tensor float_labels = b.input("t", DType::f32, {kBatch});
  EXPECT_EQ(error_of([&] { cross_entropy(logits, float_labels); }),
            "cross_entropy: labels f32[N] must be integer class indices [N]");
  Tensor fixed = b.input("fixed", DType::i32, {7});
  EXPECT_EQ(error_of([&] { nll_loss(logits, fixed); }),
            "nll_loss: scores f32[N,10] and labels i32[7] disagree on the batch size");
  EXPECT_EQ(error_of([&] { cross_entropy(labels, labels); }),
            "cross_entropy: scores i32[N] must be floating-point [N,C]");
}

TEST_F(ClassBatch, ClassifierOutputs) {
  classifier_outputs(b, logits, labels);
  ASSERT_EQ(g.outputs().size(), 3u);
  EXPECT_EQ(g.outputs()[0].name, "loss");
  EXPECT_EQ(g.outputs()[0].role, OutputRole::loss);
  EXPECT_EQ(g.outputs()[1].name, "logits");
  EXPECT_EQ(g.outputs()[1].role, OutputRole::prediction);
  EXPECT_EQ(g.outputs()[1].value, logits.id());
  EXPECT_EQ(g.outputs()[2].name, "correct");
  EXPECT_EQ(g.outputs()[2].role, OutputRole::correct);
  EXPECT_EQ(g.type(g.outputs()[2].value).str(), "f32[]");
  EXPECT_EQ(output_expr(g, "correct"), "reduce_sum(cast(eq(argmax(logits), y)))");
  verify(g);
}

struct PairOfTensors : ::testing::Test {
  Graph g;
  Builder b{g};
  Tensor p = b.input("p", DType::f32, {kBatch, 2});
  Tensor t = b.input("t", DType::f32, {kBatch, 2}, InputRole::label);
};

TEST_F(PairOfTensors, MseIsTheMeanSquaredDifferenceOverAllElements) {
  Tensor loss = mse_loss(p, t);
  EXPECT_EQ(loss.type().str(), "f32[]");
  EXPECT_EQ(expr(loss), "div(mul(reduce_sum(mul(sub(p, t), sub(p, t))), 0.5), N)");
}

TEST_F(PairOfTensors, BinaryCrossEntropyClampsTheLogs) {
  Tensor loss = binary_cross_entropy(p, t);
  EXPECT_EQ(expr(loss),
            "div(mul(reduce_sum(neg(add(mul(t, max(log(p), -100)), mul(sub(1, t), max(log(sub(1, p)), -100))))), 0.5), "
            "N)");
}

TEST_F(PairOfTensors, BinaryCrossEntropyWithLogitsIsTheStableForm) {
  Tensor loss = binary_cross_entropy_with_logits(p, t);
  EXPECT_EQ(expr(loss),
            "div(mul(reduce_sum(add(sub(relu(p), mul(p, t)), log(add(1, exp(neg(abs(p))))))), 0.5), N)");
}

TEST_F(PairOfTensors, ElementwiseLossesNeedOneShape) {
  Tensor wide = b.input("w", DType::f32, {kBatch, 3});
  EXPECT_EQ(error_of([&] { mse_loss(p, wide); }),
            "mse_loss: input f32[N,2] and target f32[N,3] must be floating-point tensors of the same type and shape");
  EXPECT_THROW(binary_cross_entropy(p, wide), Error);
  EXPECT_THROW(binary_cross_entropy_with_logits(wide, p), Error);
}

}  // namespace
}  // namespace graphc::nn
