// Linear, Conv2d, pooling and dropout: output shapes, PyTorch parameter names
// and layouts, the arithmetic recorded, and errors that name the layer.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/nn.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "tests/frontend/graph_query.h"

namespace graphc::nn {
namespace {

using testing_util::count_ops;
using testing_util::expr;
using testing_util::init_of;
using testing_util::parameter_names;
using testing_util::parameter_shape;

// The message of the graphc::Error that `fn` throws, or "" when it throws none.
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Linear, ParametersFollowPyTorch) {
  Graph g;
  Builder b(g);
  Tensor y = Linear(784, 128)(b.input("x", DType::f32, {kBatch, 784}));
  EXPECT_EQ(y.type().str(), "f32[N,128]");
  EXPECT_EQ(parameter_names(g), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(parameter_shape(g, "weight"), (Shape{128, 784}));
  EXPECT_EQ(parameter_shape(g, "bias"), (Shape{128}));
  EXPECT_EQ(init_of(g, "weight"), Init::uniform(-1.0 / 28, 1.0 / 28).resolve({}).str());
  EXPECT_EQ(init_of(g, "bias"), init_of(g, "weight"));  // both bounded by 1/sqrt(fan_in)
  EXPECT_EQ(expr(y), "add(matmul(x, weight), bias)");
  const Node& mm = g.node(g.node(y.id()).operands[0]);
  EXPECT_FALSE(mm.b("transpose_a"));
  EXPECT_TRUE(mm.b("transpose_b"));  // x @ weight^T with weight [out, in]
  verify(g);
}

TEST(Linear, WithoutBiasAndOnHigherRankInput) {
  Graph g;
  Builder b(g);
  Tensor y = Linear(16, 4, /*bias=*/false)(b.input("x", DType::f32, {kBatch, 7, 16}));
  EXPECT_EQ(y.type().str(), "f32[N,7,4]");
  EXPECT_EQ(parameter_names(g), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(expr(y), "matmul(x, weight)");
}

TEST(Linear, WeightInitCanBeChosen) {
  Graph g;
  Builder b(g);
  Linear fc(20, 30);
  fc.weight_init = Init::xavier_uniform();
  fc(b.input("x", DType::f32, {kBatch, 20}));
  EXPECT_EQ(init_of(g, "weight"), Init::xavier_uniform().resolve({30, 20}).str());
}

TEST(Linear, WrongFeatureCountNamesTheLayer) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 100});
  EXPECT_EQ(error_of([&] { Linear(784, 128)(x); }),
            "Linear(784, 128): input f32[N,100] has 100 features, expected 784");
  auto scope = b.scope("fc1");
  EXPECT_EQ(error_of([&] { Linear(784, 128)(x); }),
            "Linear(784, 128) in 'fc1': input f32[N,100] has 100 features, expected 784");
}

TEST(Linear, OtherBadInputs) {
  Graph g;
  Builder b(g);
  EXPECT_EQ(error_of([&] { Linear(4, 2)(b.input("v", DType::f32, {4})); }),
            "Linear(4, 2): input f32[4] must have rank >= 2 (a batch of rows of 4 features)");
  EXPECT_EQ(error_of([&] { Linear(4, 2)(b.input("i", DType::i32, {kBatch, 4})); }),
            "Linear(4, 2): input i32[N,4] must be a floating-point tensor");
  EXPECT_EQ(error_of([&] { Linear(0, 2)(b.input("x", DType::f32, {kBatch, 4})); }),
            "Linear(0, 2): feature counts must be positive");
}

TEST(Conv2d, ShapesNamesAndBiasBroadcast) {
  Graph g;
  Builder b(g);
  Tensor y = Conv2d(3, 16, 3, /*stride=*/2, /*padding=*/1)(b.input("x", DType::f32, {kBatch, 3, 32, 32}));
  EXPECT_EQ(y.type().str(), "f32[N,16,16,16]");
  EXPECT_EQ(parameter_names(g), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(parameter_shape(g, "weight"), (Shape{16, 3, 3, 3}));
  EXPECT_EQ(parameter_shape(g, "bias"), (Shape{16}));
  EXPECT_EQ(init_of(g, "bias"), default_bias_init(27).str());
  EXPECT_EQ(expr(y), "add(conv2d(x, weight), reshape(bias))");
  const Node& reshape_node = g.node(g.node(y.id()).operands[1]);
  EXPECT_EQ(reshape_node.type.str(), "f32[16,1,1]");
  const Node& conv = g.node(g.node(y.id()).operands[0]);
  EXPECT_EQ(conv.ints("stride"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(conv.ints("padding"), (std::vector<int64_t>{1, 1}));
  verify(g);
}

TEST(Conv2d, GroupsAndNoBias) {
  Graph g;
  Builder b(g);
  Tensor y = Conv2d(4, 8, 3, 1, 1, /*dilation=*/1, /*groups=*/2, /*bias=*/false)(
      b.input("x", DType::f32, {kBatch, 4, 10, 10}));
  EXPECT_EQ(y.type().str(), "f32[N,8,10,10]");
  EXPECT_EQ(parameter_names(g), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(parameter_shape(g, "weight"), (Shape{8, 2, 3, 3}));
  InitSpec init = g.init_of(*g.find_parameter("weight"));
  ASSERT_EQ(init.kind, "uniform");
  EXPECT_DOUBLE_EQ(init.args[1], 1 / std::sqrt(18.0));  // fan_in = C/groups * 3 * 3
}

TEST(Conv2d, BadInputsNameTheLayer) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 4, 4});
  EXPECT_EQ(error_of([&] { Conv2d(1, 6, 3)(x); }),
            "Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1)): input f32[N,3,4,4] has 3 channels, expected 1");
  EXPECT_EQ(error_of([&] { Conv2d(3, 6, 3)(b.input("flat", DType::f32, {kBatch, 48})); }),
            "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1)): input f32[N,48] must be an image batch [N,C,H,W]");
  EXPECT_EQ(error_of([&] { Conv2d(3, 6, 3, 1, 0, 1, /*groups=*/2)(x); }),
            "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), groups=2): in_channels and out_channels must be "
            "divisible by groups (2)");
  // Too small an image for the kernel: shape inference's message, prefixed with the layer.
  std::string too_small = error_of([&] { Conv2d(3, 6, 5)(x); });
  EXPECT_EQ(too_small.rfind("Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1)): ", 0), 0u) << too_small;
  EXPECT_NE(too_small.find("does not fit"), std::string::npos) << too_small;
}

TEST(Pooling, MaxPoolDefaultsStrideToKernel) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 6, 28, 28});
  Tensor y = MaxPool2d(2)(x);
  EXPECT_EQ(y.type().str(), "f32[N,6,14,14]");
  EXPECT_EQ(g.node(y.id()).ints("stride"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(MaxPool2d(3, 2, 1)(x).type().str(), "f32[N,6,14,14]");  // (28 + 2 - 3) / 2 + 1
  EXPECT_TRUE(g.parameters().empty());
}

TEST(Pooling, AvgPoolKeepsItsOptions) {
  Graph g;
  Builder b(g);
  Tensor y = AvgPool2d(3, 1, 1, /*count_include_pad=*/false)(b.input("x", DType::f32, {kBatch, 2, 5, 5}));
  EXPECT_EQ(y.type().str(), "f32[N,2,5,5]");
  EXPECT_FALSE(g.node(y.id()).b("count_include_pad"));
}

TEST(Pooling, BadOptionsNameTheLayer) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 2, 8, 8});
  EXPECT_EQ(error_of([&] { MaxPool2d(2, 2, 2)(x); }),
            "MaxPool2d(kernel_size=2, stride=2, padding=2, dilation=1): padding must be at most half the kernel size");
  EXPECT_EQ(error_of([&] { AvgPool2d(2)(b.input("v", DType::f32, {kBatch, 8})); }),
            "AvgPool2d(kernel_size=2, stride=2, padding=0): input f32[N,8] must be an image batch [N,C,H,W]");
}

TEST(Pooling, AdaptiveAvgPoolIsAMeanOverHeightAndWidth) {
  Graph g;
  Builder b(g);
  Tensor y = AdaptiveAvgPool2d(1)(b.input("x", DType::f32, {kBatch, 512, 4, 4}));
  EXPECT_EQ(y.type().str(), "f32[N,512,1,1]");
  EXPECT_EQ(expr(y), "mul(reduce_sum(x), 0.0625)");
  const Node& sum = g.node(g.node(y.id()).operands[0]);
  EXPECT_EQ(sum.ints("axes"), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(sum.b("keepdims"));
  EXPECT_THROW(AdaptiveAvgPool2d(2), Error);
}

TEST(Dropout, MasksInTrainMode) {
  Graph g;
  Builder b(g, Mode::train);
  Tensor x = b.input("x", DType::f32, {kBatch, 128});
  Tensor y = Dropout(0.25)(x);
  EXPECT_EQ(expr(y), "mul(dropout_mask(seed), x)");
  const Node mask = g.node(g.node(y.id()).operands[0]);  // a copy: building more nodes moves them
  EXPECT_EQ(mask.f("p"), 0.25);
  EXPECT_EQ(mask.type.str(), "f32[N,128]");
  // A second dropout draws from another stream of the same seed.
  Tensor z = Dropout(0.25)(y);
  EXPECT_NE(g.node(g.node(z.id()).operands[0]).i("stream"), mask.i("stream"));
  EXPECT_EQ(g.inputs().size(), 2u);  // x and one seed
  verify(g);
}

TEST(Dropout, IdentityInEvalModeAndForZeroP) {
  Graph eval_graph;
  Builder eval(eval_graph, Mode::eval);
  Tensor x = eval.input("x", DType::f32, {kBatch, 128});
  EXPECT_EQ(Dropout(0.5)(x).id(), x.id());
  EXPECT_EQ(count_ops(eval_graph, OpKind::dropout_mask), 0);

  Graph train_graph;
  Builder train(train_graph, Mode::train);
  Tensor t = train.input("x", DType::f32, {kBatch, 128});
  EXPECT_EQ(Dropout(0.0)(t).id(), t.id());
  EXPECT_FALSE(train_graph.find_input("seed"));
}

TEST(Dropout, ProbabilityOutsideUnitIntervalIsAnError) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 4});
  EXPECT_EQ(error_of([&] { Dropout(1.5)(x); }), "Dropout(p=1.5): p must be in [0, 1]");
  EXPECT_EQ(expr(Dropout(1.0)(x)), "mul(x, 0)");  // everything dropped
}

}  // namespace
}  // namespace graphc::nn
