// The interpreter's forward pass of the two smallest models against values
// worked out by hand, with parameters set to chosen numbers.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/model_registry.h"
#include "runtime/interpreter.h"

namespace graphc {
namespace {

using runtime::HostTensor;

TEST(InterpreterForward, LinearRegressionByHand) {
  // W = [[1, 2, 3], [0, -1, 0.5]], b = [0.5, -1]
  // x0 = [1, 0, 2]:  x0 W^T + b = [1+0+6+0.5, 0+0+1-1]   = [7.5, 0]
  // x1 = [-1, 1, 1]: x1 W^T + b = [-1+2+3+0.5, 0-1+0.5-1] = [4.5, -1.5]
  // y = [[7, 1], [4, -2]]: errors 0.5, -1, 0.5, 0.5; squares sum 1.75; mean 0.4375
  runtime::TensorMap feeds{
      {"weight", HostTensor(DType::f32, {2, 3}, {1, 2, 3, 0, -1, 0.5})},
      {"bias", HostTensor(DType::f32, {2}, {0.5, -1})},
      {"x", HostTensor(DType::f32, {2, 3}, {1, 0, 2, -1, 1, 1})},
      {"y", HostTensor(DType::f32, {2, 2}, {7, 1, 4, -2})},
  };
  runtime::TensorMap out = runtime::interpret(build_model("linreg"), feeds);
  EXPECT_EQ(out.at("logits").shape, (Shape{2, 2}));
  EXPECT_EQ(out.at("logits").data, (std::vector<double>{7.5, 0, 4.5, -1.5}));
  EXPECT_DOUBLE_EQ(out.at("loss").data[0], 0.4375);
}

TEST(InterpreterForward, MnistLogisticRegressionByHand) {
  // Weights are zero but W[3][0] = 2, W[7][783] = -2, W[1][100] = 1.5; b[c] = c/10.
  // Image 0: pixel 0 = 1, pixel 783 = 0.5 -> logit 3 = 0.3 + 2 = 2.3, logit 7 = 0.7 - 1 = -0.3.
  // Image 1: pixel 100 = 2              -> logit 1 = 0.1 + 3 = 3.1.
  // Every other logit is its bias c/10.
  HostTensor w(DType::f32, {10, 784}), b(DType::f32, {10}), x(DType::f32, {2, 1, 28, 28});
  w.data[3 * 784 + 0] = 2;
  w.data[7 * 784 + 783] = -2;
  w.data[1 * 784 + 100] = 1.5;
  for (int c = 0; c < 10; ++c) b.data[c] = c / 10.0;
  x.data[0] = 1;
  x.data[783] = 0.5;
  x.data[784 + 100] = 2;
  runtime::TensorMap feeds{{"1.weight", w}, {"1.bias", b}, {"x", x}, {"y", HostTensor(DType::i32, {2}, {3, 0})}};
  runtime::TensorMap out = runtime::interpret(build_model("mnist_logreg"), feeds);

  std::vector<double> z0{0, 0.1, 0.2, 2.3, 0.4, 0.5, 0.6, -0.3, 0.8, 0.9};
  std::vector<double> z1{0, 3.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  const HostTensor& logits = out.at("logits");
  ASSERT_EQ(logits.shape, (Shape{2, 10}));
  for (int c = 0; c < 10; ++c) {
    EXPECT_NEAR(logits.data[c], z0[c], 1e-12) << c;
    EXPECT_NEAR(logits.data[10 + c], z1[c], 1e-12) << c;
  }
  // Cross-entropy: log(sum(exp(z))) - z[label], averaged; labels 3 and 0.
  auto log_sum_exp = [](const std::vector<double>& z) {
    double s = 0;
    for (double v : z) s += std::exp(v);
    return std::log(s);
  };
  double expected = ((log_sum_exp(z0) - 2.3) + (log_sum_exp(z1) - 0.0)) / 2;
  EXPECT_NEAR(out.at("loss").data[0], expected, 1e-12);
  // Image 0's argmax is class 3 (its label); image 1's is class 1 (label 0).
  EXPECT_EQ(out.at("correct").data[0], 1.0);
}

}  // namespace
}  // namespace graphc
