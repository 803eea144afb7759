// Containers decide parameter names (PyTorch's state_dict keys); the builder's
// scopes give weight sharing and freezing by name prefix.
#include <gtest/gtest.h>

#include "frontend/nn.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "tests/frontend/graph_query.h"

namespace graphc::nn {
namespace {

using testing_util::expr;
using testing_util::is_trainable;
using testing_util::parameter_names;
using testing_util::parameter_shape;

using Names = std::vector<std::string>;

TEST(Sequential, NumbersChildrenLikePyTorch) {
  Graph g;
  Builder b(g);
  Sequential net{Flatten(), Linear(784, 128), ReLU(), Linear(128, 10)};
  Tensor y = net(b.input("x", DType::f32, {kBatch, 1, 28, 28}));
  EXPECT_EQ(y.type().str(), "f32[N,10]");
  EXPECT_EQ(parameter_names(g), (Names{"1.weight", "1.bias", "3.weight", "3.bias"}));
}

TEST(Sequential, NamedAndNestedChildren) {
  Graph g;
  Builder b(g);
  Sequential encoder{{"fc1", Linear(8, 4)}, {"act", Tanh()}};
  Sequential net;
  net.add("encoder", encoder).add(Sequential{Linear(4, 2), Sigmoid()});
  Tensor y = named("model", net)(b.input("x", DType::f32, {kBatch, 8}));
  EXPECT_EQ(y.type().str(), "f32[N,2]");
  EXPECT_EQ(parameter_names(g), (Names{"model.encoder.fc1.weight", "model.encoder.fc1.bias", "model.1.0.weight",
                                       "model.1.0.bias"}));
  EXPECT_EQ(expr(y), "sigmoid(add(matmul(tanh(add(matmul(x, model.encoder.fc1.weight), model.encoder.fc1.bias)), "
                     "model.1.0.weight), model.1.0.bias))");
}

TEST(Sequential, EmptyIsTheIdentity) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  EXPECT_EQ(Sequential()(x).id(), x.id());
}

TEST(Sequential, RejectsDuplicateAndEmptyChildren) {
  Sequential net;
  net.add("fc", Linear(2, 2));
  EXPECT_THROW(net.add("fc", Linear(2, 2)), Error);
  EXPECT_THROW(net.add(Layer()), Error);
  EXPECT_THROW(net.add("", Linear(2, 2)), Error);
}

TEST(WeightSharing, CallingALayerTwiceReusesItsParameters) {
  Graph g;
  Builder b(g);
  Layer shared = named("shared", Linear(8, 8));
  Tensor y = shared(shared(b.input("x", DType::f32, {kBatch, 8})));
  EXPECT_EQ(parameter_names(g), (Names{"shared.weight", "shared.bias"}));
  EXPECT_EQ(expr(y), "add(matmul(add(matmul(x, shared.weight), shared.bias), shared.weight), shared.bias)");
  verify(g);
}

TEST(WeightSharing, SameNameWithAnotherShapeIsAnError) {
  Graph g;
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, 8});
  named("fc", Linear(8, 8))(x);
  try {
    named("fc", Linear(8, 4))(x);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "Linear(8, 4) in 'fc': parameter 'fc.weight' exists with shape [8,8], asked again with [4,8]");
  }
}

TEST(Freezing, ParametersUnderAFrozenPrefixGetNoGradient) {
  Graph g;
  Builder b(g);
  b.freeze("conv");
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 8, 8});
  Tensor h = named("conv1", Conv2d(3, 4, 3))(x);
  named("fc", Linear(4 * 6 * 6, 2))(flatten(h));
  EXPECT_FALSE(is_trainable(g, "conv1.weight"));
  EXPECT_FALSE(is_trainable(g, "conv1.bias"));
  EXPECT_TRUE(is_trainable(g, "fc.weight"));
  EXPECT_TRUE(is_trainable(g, "fc.bias"));
  // The printer marks them, so --dump-ir shows what a --freeze did.
  std::string text = print_graph(g);
  EXPECT_NE(text.find("param %3 conv1.bias : f32[4] = uniform(-0.19245008972987526,0.19245008972987526) frozen\n"),
            std::string::npos)
      << text;
}

TEST(BasicBlock, IdentityShortcutHasNoParameters) {
  Graph g;
  Builder b(g);
  Tensor y = BasicBlock{64, 64, 1}(b.input("x", DType::f32, {kBatch, 64, 8, 8}));
  EXPECT_EQ(y.type().str(), "f32[N,64,8,8]");
  EXPECT_EQ(parameter_names(g),
            (Names{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "conv2.weight",
                   "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var"}));
  EXPECT_EQ(parameter_shape(g, "conv1.weight"), (Shape{64, 64, 3, 3}));
  // relu(bn2(conv2(...)) + x): the residual adds the block's input itself.
  const Node& sum = g.node(g.node(y.id()).operands[0]);
  ASSERT_EQ(sum.op, OpKind::add);
  EXPECT_EQ(g.node(sum.operands[1]).op, OpKind::input);
  verify(g);
}

TEST(BasicBlock, DownsamplingShortcutIsConvAndBatchNorm) {
  Graph g;
  Builder b(g);
  Tensor y = BasicBlock{64, 128, 2}(b.input("x", DType::f32, {kBatch, 64, 32, 32}));
  EXPECT_EQ(y.type().str(), "f32[N,128,16,16]");
  EXPECT_EQ(parameter_names(g),
            (Names{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "conv2.weight",
                   "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var", "shortcut.0.weight",
                   "shortcut.1.weight", "shortcut.1.bias", "shortcut.1.running_mean", "shortcut.1.running_var"}));
  EXPECT_EQ(parameter_shape(g, "conv1.weight"), (Shape{128, 64, 3, 3}));
  EXPECT_EQ(parameter_shape(g, "conv2.weight"), (Shape{128, 128, 3, 3}));
  EXPECT_EQ(parameter_shape(g, "shortcut.0.weight"), (Shape{128, 64, 1, 1}));
  verify(g);
}

TEST(BasicBlock, WrongInputChannelsNameTheConv) {
  Graph g;
  Builder b(g);
  auto scope = b.scope("3");
  try {
    BasicBlock{64, 64, 1}(b.input("x", DType::f32, {kBatch, 32, 8, 8}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False) in "
                           "'3.conv1': input f32[N,32,8,8] has 32 channels, expected 64");
  }
}

}  // namespace
}  // namespace graphc::nn
