// The interpreter as a trainer would use it: an MNIST-shaped MLP
// (784-128-10, batch 128) with its backward pass written by hand in the IR,
// trained by SGD on synthetic clusters. The loss must fall, and the steps
// must be fast enough for the end-to-end tests that train on the interpreter.
#include <chrono>
#include <cstdio>
#include <random>

#include "interpreter_test_util.h"

namespace graphc::runtime::interpreter_testing {
namespace {

constexpr int64_t kIn = 784, kHidden = 128, kClasses = 10, kBatch128 = 128;

// Forward, loss and hand-written gradients of a two-layer ReLU MLP.
Graph mlp_training_graph() {
  Graph g("mlp");
  Builder b(g);
  Tensor x = b.input("x", DType::f32, {kBatch, kIn});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  Tensor w1 = b.parameter("w1", {kIn, kHidden}, {"uniform", {-0.05, 0.05}});
  Tensor b1 = b.parameter("b1", {kHidden}, {"zeros", {}});
  Tensor w2 = b.parameter("w2", {kHidden, kClasses}, {"uniform", {-0.1, 0.1}});
  Tensor b2 = b.parameter("b2", {kClasses}, {"zeros", {}});
  Tensor h = matmul(x, w1) + b1;
  Tensor a = relu(h);
  Tensor logits = matmul(a, w2) + b2;
  b.output("loss", mean(softmax_cross_entropy(logits, y)), OutputRole::loss);
  // d(mean CE)/d logits = (softmax - one_hot) / N.
  Tensor dlogits = (softmax(logits) - one_hot(y, kClasses)) / b.batch_size();
  Tensor da = matmul(dlogits, w2, false, true);
  Tensor dh = select(gt(h, b.constant(0)), da, b.constant(0));
  b.output("w1", matmul(x, dh, true, false), OutputRole::gradient);
  b.output("b1", sum(dh, {0}), OutputRole::gradient);
  b.output("w2", matmul(a, dlogits, true, false), OutputRole::gradient);
  b.output("b2", sum(dlogits, {0}), OutputRole::gradient);
  return g;
}

TEST(InterpreterTraining, MlpSgdLowersTheLoss) {
  const Graph g = mlp_training_graph();
  TensorMap feeds = init_parameters(g, 1);
  // Ten clusters around random prototypes; a batch draws from all of them.
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 0.5);
  std::vector<std::vector<double>> prototypes(kClasses, std::vector<double>(kIn));
  for (auto& p : prototypes)
    for (auto& v : p) v = noise(rng) * 2;
  auto next_batch = [&] {
    std::vector<double> xs, ys;
    for (int64_t i = 0; i < kBatch128; ++i) {
      const int64_t label = static_cast<int64_t>(rng() % kClasses);
      ys.push_back(static_cast<double>(label));
      for (double v : prototypes[label]) xs.push_back(v + noise(rng));
    }
    feeds["x"] = f32({kBatch128, kIn}, xs);
    feeds["y"] = i32({kBatch128}, ys);
  };

  constexpr int kSteps = 20;
  constexpr double kLr = 0.05;
  double first_loss = 0, last_loss = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < kSteps; ++step) {
    next_batch();
    TensorMap out = interpret(g, feeds);
    (step == 0 ? first_loss : last_loss) = out.at("loss").data[0];
    for (const char* name : {"w1", "b1", "w2", "b2"}) {
      HostTensor& p = feeds.at(name);
      const HostTensor& grad = out.at(name);
      ASSERT_EQ(p.shape, grad.shape) << name;
      for (int64_t i = 0; i < p.numel(); ++i) p.data[i] -= kLr * grad.data[i];
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%d MLP steps in %.3f s; loss %.4f -> %.4f\n", kSteps, seconds, first_loss, last_loss);
  EXPECT_NEAR(first_loss, std::log(10.0), 0.5);  // small initial weights: near-uniform predictions
  EXPECT_LT(last_loss, 0.25 * first_loss);
}

}  // namespace
}  // namespace graphc::runtime::interpreter_testing
