// One small graph per fusion rule, with the number of kernels it must become
// and what each kernel holds. Every plan is also checked and run kernel by
// kernel on the interpreter against the whole graph.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/nn.h"
#include "frontend/ops.h"
#include "fusion_test_util.h"
#include "passes/autodiff.h"
#include "passes/fusion.h"
#include "passes/simplify.h"

namespace graphc {
namespace {

using fusion_test::group_holding;
using passes::FusedGroup;
using passes::FusionPlan;
using passes::GroupKind;

bool holds(const FusedGroup& group, ValueId v) {
  return std::find(group.nodes.begin(), group.nodes.end(), v) != group.nodes.end();
}

bool is_output_of(const FusedGroup& group, ValueId v) {
  return std::find(group.outputs.begin(), group.outputs.end(), v) != group.outputs.end();
}

// Fuses g, checks the plan, and compares running it kernel by kernel with
// running the graph whole.
FusionPlan fuse_and_run(const Graph& g) {
  FusionPlan plan = passes::fuse(g);
  passes::check_fusion_plan(g, plan);
  runtime::TensorMap feeds = fusion_test::random_feeds(g, 3, 11);
  runtime::TensorMap whole = runtime::interpret(g, feeds);
  runtime::TensorMap by_group = fusion_test::run_group_by_group(g, plan, feeds);
  EXPECT_EQ(whole.size(), by_group.size());
  for (const auto& [name, value] : whole) {
    const runtime::HostTensor& other = by_group.at(name);
    EXPECT_EQ(value.shape, other.shape) << name;
    EXPECT_EQ(value.data, other.data) << name;
  }
  return plan;
}

std::string plan_text(const Graph& g, const FusionPlan& plan) { return passes::print_fusion_plan(g, plan); }

TEST(FusionRules, AChainOfFiveElementwiseOpsIsOneKernel) {
  Graph g("chain");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 16});
  Tensor scale = b.parameter("scale", {16}, InitSpec{"uniform", {-1, 1}});
  Tensor y = -relu(exp(x) * scale + 1.0);
  b.output("y", abs(y), OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 1u) << plan_text(g, plan);
  EXPECT_EQ(plan.groups[0].kind, GroupKind::elementwise);
  EXPECT_EQ(plan.groups[0].anchor, -1);
  EXPECT_EQ(plan.groups[0].nodes.size(), 6u);  // exp, mul, add, relu, neg, abs; the constant stays a source
}

TEST(FusionRules, ReluOfMatmulPlusBiasIsOneKernel) {
  Graph g("dense");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 8});
  Tensor w = b.parameter("w", {4, 8}, InitSpec{"uniform", {-1, 1}});
  Tensor bias = b.parameter("b", {4}, InitSpec{"uniform", {-1, 1}});
  Tensor product = matmul(x, w, false, true);
  b.output("y", relu(product + bias), OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 1u) << plan_text(g, plan);
  EXPECT_EQ(plan.groups[0].kind, GroupKind::contraction);
  EXPECT_EQ(plan.groups[0].anchor, product.id());
}

TEST(FusionRules, AResidualAddAndScalingJoinTheConvolution) {
  Graph g("residual");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 2, 5, 5});
  Tensor w = b.parameter("w", {2, 2, 3, 3}, InitSpec{"uniform", {-1, 1}});
  Tensor conv = conv2d(x, w, Conv2dOptions{{1, 1}, {1, 1}, {1, 1}, 1});
  b.output("y", relu(conv * 0.5 + x), OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 1u) << plan_text(g, plan);
  EXPECT_EQ(plan.groups[0].anchor, conv.id());
}

TEST(FusionRules, AMeanIsOneKernel) {
  Graph g("mean");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 8});
  Tensor m = mean(x, {0});
  Tensor ms = mean(x * x);  // over every axis, of an elementwise producer
  b.output("m", m, OutputRole::value);
  b.output("ms", ms, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 2u) << plan_text(g, plan);
  for (const FusedGroup& group : plan.groups) EXPECT_EQ(group.kind, GroupKind::reduction);
  EXPECT_TRUE(is_output_of(group_holding(plan, m.id()), m.id()));
  EXPECT_EQ(group_holding(plan, ms.id()).outputs, std::vector<ValueId>{ms.id()});
}

TEST(FusionRules, SoftmaxCrossEntropyForwardAndBackwardShareOneKernel) {
  // The loss head of every classifier after autodiff and simplify: the
  // per-sample loss, the accuracy count and the gradient rows
  // (softmax(logits) - one_hot(y)) / N all come from one pass over the rows.
  Graph g("head");
  Builder b(g);
  Tensor logits = b.input("logits", DType::f32, {kBatch, 10});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  Tensor xent = softmax_cross_entropy(logits, y);
  Tensor inv_n = 1.0 / b.batch_size();
  Tensor grad = (softmax(logits, 1) - one_hot(y, 10)) * inv_n;
  Tensor correct = sum(cast(eq(argmax(logits, 1), y), DType::f32));
  b.output("loss", sum(xent) / b.batch_size(), OutputRole::loss);
  b.output("correct", correct, OutputRole::correct);
  b.output("grad", grad, OutputRole::value);
  b.output("logits", logits, OutputRole::prediction);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 2u) << plan_text(g, plan);
  const FusedGroup& rows = group_holding(plan, xent.id());
  EXPECT_EQ(rows.kind, GroupKind::softmax);
  EXPECT_EQ(rows.anchor, xent.id());
  EXPECT_TRUE(holds(rows, grad.id()));
  EXPECT_EQ(rows.outputs.size(), 3u);  // the loss and accuracy rows and the gradient
  // The batch sums of the loss and of the hits: one reduction kernel.
  const FusedGroup& sums = group_holding(plan, correct.id());
  EXPECT_EQ(sums.kind, GroupKind::reduction);
  EXPECT_EQ(sums.outputs.size(), 2u);
}

TEST(FusionRules, BatchNormTrainingForwardIsTwoReductionsAndOneNormalisation) {
  // mean (with the running-mean update), variance of x - mean (with rsqrt and
  // the running-variance update), then the normalisation: the variance
  // reads x - mean, so it cannot share the first pass.
  Graph g("bn");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 4, 3, 3});
  b.output("y", nn::BatchNorm2d(4)(x), OutputRole::value);
  passes::simplify(g);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 3u) << plan_text(g, plan);
  EXPECT_EQ(fusion_test::count_kind(plan, GroupKind::reduction), 2u);
  EXPECT_EQ(fusion_test::count_kind(plan, GroupKind::elementwise), 1u);
}

TEST(FusionRules, BatchNormTrainingStepHasThreeKernelsForwardAndThreeBackward) {
  Graph forward("bn_step");
  Builder b(forward);
  Tensor x = b.input("x", DType::f32, {kBatch, 4, 3, 3});
  Tensor target = b.input("t", DType::f32, {kBatch, 4, 3, 3}, InputRole::label);
  Tensor y = nn::BatchNorm2d(4)(x);
  b.output("loss", sum((y - target) * (y - target)), OutputRole::loss);
  Graph g = passes::build_training_graph(forward);
  passes::simplify(g);
  FusionPlan plan = fuse_and_run(g);
  // Forward: 2 reductions + normalisation (the loss's square and sum ride
  // along); backward: dgamma, dbeta and the sum of dy * (x - mean) in one
  // reduction kernel, the sum of the next term in another, then dx.
  EXPECT_EQ(fusion_test::count_kind(plan, GroupKind::reduction), 4u) << plan_text(g, plan);
  EXPECT_LE(plan.groups.size(), 6u) << plan_text(g, plan);
}

TEST(FusionRules, SeveralReductionsOverOneSpaceShareAKernel) {
  Graph g("stats");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 4, 3, 3});
  Tensor y = b.input("y", DType::f32, {kBatch, 4, 3, 3});
  Tensor s = sum(x, {0, 2, 3});
  Tensor sxy = sum(x * y, {0, 2, 3});
  Tensor other_axes = sum(x * x, {1});
  b.output("s", s, OutputRole::value);
  b.output("sxy", sxy, OutputRole::value);
  b.output("other", other_axes, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 2u) << plan_text(g, plan);
  EXPECT_EQ(&group_holding(plan, s.id()), &group_holding(plan, sxy.id()));
  EXPECT_NE(&group_holding(plan, s.id()), &group_holding(plan, other_axes.id()));
}

TEST(FusionRules, AValueAfterAReductionOfItsOwnSpaceNeedsASecondKernel) {
  Graph g("centre");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 6});
  Tensor m = mean(x, {0});
  Tensor centred = x - m;
  Tensor var = mean(centred * centred, {0});
  b.output("centred", centred, OutputRole::value);
  b.output("var", var, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 2u) << plan_text(g, plan);
  EXPECT_NE(&group_holding(plan, m.id()), &group_holding(plan, centred.id()));
  EXPECT_EQ(&group_holding(plan, centred.id()), &group_holding(plan, var.id()));
}

TEST(FusionRules, TheBiasGradientJoinsTheWeightGradient) {
  Graph g("dense_grads");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 8});
  Tensor dy = b.input("dy", DType::f32, {kBatch, 4});
  Tensor dw = matmul(dy, x, true, false);  // [4,8]: contracts over N
  Tensor db = sum(dy, {0});
  Tensor row_sums = sum(dy, {1});  // not over the contracted axis
  b.output("dw", dw, OutputRole::value);
  b.output("db", db, OutputRole::value);
  b.output("rows", row_sums, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 2u) << plan_text(g, plan);
  const FusedGroup& weights = group_holding(plan, dw.id());
  EXPECT_EQ(weights.kind, GroupKind::contraction);
  EXPECT_EQ(weights.anchor, dw.id());
  EXPECT_TRUE(holds(weights, db.id()));
  EXPECT_EQ(group_holding(plan, row_sums.id()).kind, GroupKind::reduction);
}

TEST(FusionRules, TheConvBiasGradientJoinsTheConvWeightGradient) {
  Graph g("conv_grads");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 2, 5, 5});
  Tensor dy = b.input("dy", DType::f32, {kBatch, 3, 3, 3});
  Tensor dw = conv2d_grad_weight(x, dy, {3, 2, 3, 3}, Conv2dOptions{});
  Tensor db = sum(dy, {0, 2, 3});
  b.output("dw", dw, OutputRole::value);
  b.output("db", db, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 1u) << plan_text(g, plan);
  EXPECT_EQ(plan.groups[0].anchor, dw.id());
}

TEST(FusionRules, TheReluMaskMultiplyIsAnEpilogueOfTheDataGradient) {
  Graph g("mask");
  Builder b(g);
  Tensor h = b.input("h", DType::f32, {kBatch, 4});
  Tensor dy = b.input("dy", DType::f32, {kBatch, 3});
  Tensor w = b.parameter("w", {3, 4}, InitSpec{"uniform", {-1, 1}});
  Tensor dh = matmul(dy, w);
  Tensor masked = dh * cast(gt(h, b.constant(0)), DType::f32);
  b.output("dx", masked, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 1u) << plan_text(g, plan);
  EXPECT_EQ(plan.groups[0].anchor, dh.id());
}

TEST(FusionRules, AWideningCastCrossesKernelsNarrow) {
  // The forward pass computes the relu mask; the backward one widens it.
  Graph g("narrow");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 4});
  Tensor w = b.parameter("w", {4, 4}, InitSpec{"uniform", {-1, 1}});
  Tensor pre = x + 1.0;
  Tensor mask = gt(pre, b.constant(0));
  Tensor z = matmul(relu(pre), w);
  Tensor widened = cast(mask, DType::f32);
  b.output("d", z * widened, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 2u) << plan_text(g, plan);
  EXPECT_TRUE(is_output_of(group_holding(plan, mask.id()), mask.id()));
  EXPECT_EQ(&group_holding(plan, widened.id()), &group_holding(plan, z.id()));
}

TEST(FusionRules, APoolGradientTakesTheMaskAsEpilogue) {
  Graph g("pool");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 2, 4, 4});
  Tensor dy = b.input("dy", DType::f32, {kBatch, 2, 2, 2});
  Pool2dOptions o;
  Tensor dx = max_pool2d_grad(dy, x, o);
  b.output("dx", dx * cast(gt(x, b.constant(0)), DType::f32), OutputRole::value);
  b.output("pooled", max_pool2d(relu(x), o), OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  // relu, then the pool (no prologue), then the gradient with its mask.
  ASSERT_EQ(plan.groups.size(), 3u) << plan_text(g, plan);
  EXPECT_EQ(group_holding(plan, dx.id()).kind, GroupKind::window);
  EXPECT_EQ(group_holding(plan, dx.id()).nodes.size(), 4u);  // grad, gt, cast, mul
}

TEST(FusionRules, AReshapeCostsNoKernel) {
  Graph g("reshapes");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 1, 4, 4});
  Tensor w = b.parameter("w", {4, 16}, InitSpec{"uniform", {-1, 1}});
  Tensor flat = reshape(x, {kBatch, 16});
  Tensor product = matmul(flat, w, false, true);
  Tensor square = reshape(product, {kBatch, 2, 2});
  b.output("y", relu(square), OutputRole::value);
  b.output("flat_relu", relu(flat), OutputRole::value);  // a second reader of the reshaped input
  FusionPlan plan = fuse_and_run(g);
  // The matmul, relu of the reshaped product, relu of the reshaped input.
  EXPECT_EQ(plan.groups.size(), 3u) << plan_text(g, plan);
  EXPECT_EQ(fusion_test::count_kind(plan, GroupKind::movement), 0u);
  EXPECT_TRUE(holds(group_holding(plan, square.id()), square.id() + 1));  // with its relu
}

TEST(FusionRules, AGraphOutputThatOnlyReshapesAnInputIsAMovementKernel) {
  Graph g("view");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 2, 2});
  b.output("flat", reshape(x, {kBatch, 4}), OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].kind, GroupKind::movement);
}

TEST(FusionRules, MovementOpsFoldIntoElementwiseReaders) {
  Graph g("movement");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor y = b.input("y", DType::f32, {3, kBatch});
  Tensor v = b.parameter("v", {3}, InitSpec{"uniform", {-1, 1}});
  Tensor w = b.parameter("w", {3, 2}, InitSpec{"uniform", {-1, 1}});
  Tensor t = transpose(x, {1, 0});
  Tensor padded = pad(relu(t + y), {1, 0}, {0, 0});                                     // [4,N]
  Tensor joined = concat({padded, broadcast_to(reshape(v, {3, 1}), {3, kBatch})}, 0);  // [7,N]
  Tensor moved = transpose(y, {1, 0});
  b.output("z", exp(joined), OutputRole::value);
  b.output("m", matmul(moved, w), OutputRole::value);  // a transpose read by a matmul
  FusionPlan plan = fuse_and_run(g);
  // Everything elementwise, with its transposes, pad, broadcast and concat,
  // in one kernel; the transpose before the matmul is the one kernel that
  // only moves data.
  ASSERT_EQ(plan.groups.size(), 3u) << plan_text(g, plan);
  EXPECT_EQ(&group_holding(plan, t.id()), &group_holding(plan, joined.id()));
  EXPECT_EQ(group_holding(plan, moved.id()).kind, GroupKind::movement);
}

TEST(FusionRules, SmallBroadcastProducersFoldIntoTheirReader) {
  Graph g("producers");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 2, 3, 3});
  Tensor var = b.parameter("var", {2}, InitSpec{"uniform", {0.5, 1.5}});
  Tensor w = b.parameter("w", {2, 2, 1, 1}, InitSpec{"uniform", {-1, 1}});
  // rsqrt(var + eps) broadcast over a conv output: folded into its epilogue.
  Tensor inv_std = reshape(rsqrt(var + 1e-5), {2, 1, 1});
  Tensor conv = conv2d(x, w);
  b.output("normed", conv * inv_std, OutputRole::value);
  // The same over an elementwise kernel: a kernel of its own, not one
  // rsqrt per element.
  Tensor inv_std2 = reshape(rsqrt(var + 2.0), {2, 1, 1});
  b.output("scaled", x * inv_std2, OutputRole::value);
  // A scalar of sources: folded whatever its ops.
  Tensor inv_n = 1.0 / b.batch_size();
  b.output("mean_x", x * inv_n, OutputRole::value);
  FusionPlan plan = fuse_and_run(g);
  EXPECT_EQ(plan.groups.size(), 4u) << plan_text(g, plan);
  EXPECT_EQ(&group_holding(plan, inv_std.id()), &group_holding(plan, conv.id()));
  EXPECT_EQ(group_holding(plan, inv_std2.id() - 1).kind, GroupKind::elementwise);
  EXPECT_EQ(group_holding(plan, inv_std2.id() - 1).nodes.size(), 2u);
  EXPECT_EQ(group_holding(plan, inv_n.id()).nodes.size(), 2u);  // div and mul
}

TEST(FusionRules, ThePlanIsAPureFunctionOfTheGraph) {
  Graph g = fusion_test::training_graph("resnet18");
  Graph copy = g;
  std::string first = plan_text(g, passes::fuse(g));
  EXPECT_EQ(first, plan_text(g, passes::fuse(g)));
  EXPECT_EQ(first, plan_text(copy, passes::fuse(copy)));
}

}  // namespace
}  // namespace graphc
