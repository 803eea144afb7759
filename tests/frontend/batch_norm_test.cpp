// Batch norm: the parameters and frozen running statistics PyTorch has, the
// arithmetic of train mode (batch statistics, running-stat updates with the
// unbiased variance as state outputs) and eval mode (running statistics).
#include <gtest/gtest.h>

#include "frontend/nn.h"
#include "ir/verifier.h"
#include "tests/frontend/graph_query.h"

namespace graphc::nn {
namespace {

using testing_util::count_ops;
using testing_util::expr;
using testing_util::init_of;
using testing_util::is_trainable;
using testing_util::output_expr;
using testing_util::output_names;
using testing_util::parameter_names;
using testing_util::parameter_shape;

Tensor image(Builder& b, int64_t channels, const std::string& name = "x") {
  return b.input(name, DType::f32, {kBatch, channels, 8, 8});
}

TEST(BatchNorm, ParametersAndFrozenRunningStatistics) {
  Graph g;
  Builder b(g);
  auto scope = b.scope("bn1");
  Tensor y = BatchNorm2d(16)(image(b, 16));
  EXPECT_EQ(y.type().str(), "f32[N,16,8,8]");
  EXPECT_EQ(parameter_names(g),
            (std::vector<std::string>{"bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"}));
  for (const auto& name : parameter_names(g)) EXPECT_EQ(parameter_shape(g, name), (Shape{16})) << name;
  EXPECT_EQ(init_of(g, "bn1.weight"), "ones()");
  EXPECT_EQ(init_of(g, "bn1.bias"), "zeros()");
  EXPECT_EQ(init_of(g, "bn1.running_mean"), "zeros()");
  EXPECT_EQ(init_of(g, "bn1.running_var"), "ones()");
  EXPECT_TRUE(is_trainable(g, "bn1.weight"));
  EXPECT_TRUE(is_trainable(g, "bn1.bias"));
  EXPECT_FALSE(is_trainable(g, "bn1.running_mean"));
  EXPECT_FALSE(is_trainable(g, "bn1.running_var"));
  verify(g);
}

TEST(BatchNorm, TrainModeNormalisesWithBatchStatistics) {
  Graph g;
  Builder b(g, Mode::train);
  Tensor y = BatchNorm2d(16)(image(b, 16));
  // mean over (N,H,W): sum * 1/64 / N (mean() casts N to the input dtype); variance is the mean of the centred square.
  const std::string mean = "div(mul(reduce_sum(x), 0.015625), N)";
  const std::string centered = "sub(x, reshape(" + mean + "))";
  const std::string var = "div(mul(reduce_sum(mul(" + centered + ", " + centered + ")), 0.015625), N)";
  EXPECT_EQ(expr(y), "add(mul(mul(" + centered + ", reshape(rsqrt(add(" + var + ", 1e-05)))), reshape(weight)), " +
                         "reshape(bias))");
  for (const Node& n : g.nodes())
    if (n.op == OpKind::reduce_sum) {
      EXPECT_EQ(n.ints("axes"), (std::vector<int64_t>{0, 2, 3}));  // every axis but the channels
      EXPECT_FALSE(n.b("keepdims"));
    }
}

TEST(BatchNorm, TrainModeUpdatesRunningStatisticsAsStateOutputs) {
  Graph g;
  Builder b(g, Mode::train);
  {
    auto scope = b.scope("bn");
    BatchNorm2d(16)(image(b, 16));
  }
  EXPECT_EQ(output_names(g, OutputRole::state), (std::vector<std::string>{"bn.running_mean", "bn.running_var"}));
  const std::string mean = "div(mul(reduce_sum(x), 0.015625), N)";
  EXPECT_EQ(output_expr(g, "bn.running_mean"), "add(mul(0.9, bn.running_mean), mul(0.1, " + mean + "))");
  // The running variance takes the unbiased batch variance: biased * n/(n-1), n = N*8*8.
  const std::string centered = "sub(x, reshape(" + mean + "))";
  const std::string var = "div(mul(reduce_sum(mul(" + centered + ", " + centered + ")), 0.015625), N)";
  EXPECT_EQ(output_expr(g, "bn.running_var"),
            "add(mul(0.9, bn.running_var), mul(0.1, mul(" + var + ", div(mul(N, 64), sub(mul(N, 64), 1)))))");
  verify(g);
}

TEST(BatchNorm, MomentumIsHonoured) {
  Graph g;
  Builder b(g, Mode::train);
  BatchNorm bn = BatchNorm1d(4, 1e-3, 0.25);
  bn(b.input("x", DType::f32, {kBatch, 4}));
  EXPECT_EQ(output_expr(g, "running_mean"),
            "add(mul(0.75, running_mean), mul(0.25, div(reduce_sum(x), N)))");
}

TEST(BatchNorm, EvalModeUsesRunningStatisticsAndEmitsNoState) {
  Graph g;
  Builder b(g, Mode::eval);
  Tensor y = BatchNorm2d(16)(image(b, 16));
  EXPECT_EQ(expr(y),
            "add(mul(mul(sub(x, reshape(running_mean)), reshape(rsqrt(add(running_var, 1e-05)))), reshape(weight)), "
            "reshape(bias))");
  EXPECT_TRUE(g.outputs().empty());
  EXPECT_EQ(count_ops(g, OpKind::batch_size), 0);
  verify(g);
}

TEST(BatchNorm, OneDimensionalNeedsNoReshape) {
  Graph g;
  Builder b(g, Mode::eval);
  Tensor y = BatchNorm1d(32)(b.input("x", DType::f32, {kBatch, 32}));
  EXPECT_EQ(y.type().str(), "f32[N,32]");
  EXPECT_EQ(expr(y), "add(mul(mul(sub(x, running_mean), rsqrt(add(running_var, 1e-05))), weight), bias)");
}

TEST(BatchNorm, WithoutAffineHasNoWeightOrBias) {
  Graph g;
  Builder b(g, Mode::train);
  BatchNorm bn = BatchNorm2d(8);
  bn.affine = false;
  bn(image(b, 8));
  EXPECT_EQ(parameter_names(g), (std::vector<std::string>{"running_mean", "running_var"}));
}

TEST(BatchNorm, CalledTwiceUpdatesTheStatisticsTwice) {
  Graph g;
  Builder b(g, Mode::train);
  Layer shared = named("bn", BatchNorm1d(4));
  Tensor x = b.input("x", DType::f32, {kBatch, 4});
  Tensor y = shared(shared(x));
  EXPECT_EQ(y.type().str(), "f32[N,4]");
  EXPECT_EQ(output_names(g, OutputRole::state), (std::vector<std::string>{"bn.running_mean", "bn.running_var"}));
  // The second update starts from the first one's result, as two PyTorch calls would.
  std::string second = output_expr(g, "bn.running_mean");
  EXPECT_EQ(second.rfind("add(mul(0.9, add(mul(0.9, bn.running_mean), ", 0), 0u) << second;
  verify(g);
}

TEST(BatchNorm, BadInputsNameTheLayer) {
  Graph g;
  Builder b(g);
  try {
    BatchNorm2d(32)(b.input("x", DType::f32, {kBatch, 32}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True): input f32[N,32] must be [N,C,H,W]");
  }
  try {
    BatchNorm1d(16)(b.input("y", DType::f32, {kBatch, 32}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "BatchNorm1d(16, eps=1e-05, momentum=0.1, affine=True): input f32[N,32] has 32 channels, "
                           "expected 16");
  }
  Tensor z = image(b, 16, "z");
  try {
    BatchNorm2d(16, 1e-5, 1.5)(z);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "BatchNorm2d(16, eps=1e-05, momentum=1.5, affine=True): momentum must be in [0, 1]");
  }
}

}  // namespace
}  // namespace graphc::nn
