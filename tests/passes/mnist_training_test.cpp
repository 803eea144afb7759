// Training on the interpreter: plain SGD on the training graph that the
// standard pipeline builds for mnist_mlp must lower the loss. On the real
// MNIST training set (skipped when ../shared/data/mnist is absent) 200 steps
// must at least halve it; a small synthetic task checks the same loop always.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <random>

#include "frontend/model_registry.h"
#include "passes/pass_manager.h"
#include "runtime/data/mnist.h"
#include "runtime/interpreter.h"

namespace graphc {
namespace {

using runtime::HostTensor;

struct Samples {
  std::vector<double> pixels;  // [count, 784] in [0, 1]
  std::vector<int32_t> labels;
  int64_t count() const { return static_cast<int64_t>(labels.size()); }
};

// Runs `steps` SGD steps of mnist_mlp on consecutive batches of a fixed
// shuffle of the samples; returns the training loss of every step.
std::vector<double> train_mnist_mlp(const Samples& data, int64_t steps, int64_t batch, double lr) {
  Graph training = build_model("mnist_mlp");
  passes::PassManagerOptions o;
  o.verify = true;
  passes::standard_pass_manager(o).run(training);
  runtime::TensorMap state = runtime::init_parameters(training, 0);

  std::vector<int64_t> order(data.count());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  std::vector<double> losses;
  for (int64_t step = 0; step < steps; ++step) {
    HostTensor x(DType::f32, {batch, 1, 28, 28}), y(DType::i32, {batch});
    for (int64_t i = 0; i < batch; ++i) {
      int64_t s = order[(step * batch + i) % data.count()];
      std::copy_n(data.pixels.begin() + s * 784, 784, x.data.begin() + i * 784);
      y.data[i] = data.labels[s];
    }
    state["x"] = x;
    state["y"] = y;
    runtime::TensorMap out = runtime::interpret(training, state);
    losses.push_back(out.at("loss").data[0]);
    for (const Output& g : training.outputs()) {
      if (g.role != OutputRole::gradient) continue;
      std::vector<double>& w = state.at(g.name).data;
      const std::vector<double>& grad = out.at(g.name).data;
      for (size_t k = 0; k < w.size(); ++k) w[k] -= lr * grad[k];
    }
  }
  return losses;
}

double mean_of(const std::vector<double>& v, size_t from, size_t count) {
  return std::accumulate(v.begin() + from, v.begin() + from + count, 0.0) / static_cast<double>(count);
}

TEST(MnistTraining, TwoHundredSgdStepsHalveTheLoss) {
  const std::string dir = GRAPHC_SOURCE_DIR "/../shared/data/mnist";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "MNIST not found at " << dir << "; skipping the real-data run";
  runtime::data::Dataset mnist = runtime::data::load_mnist(dir, "train");
  Samples data;
  data.pixels.reserve(mnist.pixels.size());
  for (uint8_t p : mnist.pixels) data.pixels.push_back(p / 255.0);
  data.labels = mnist.labels;
  std::vector<double> losses = train_mnist_mlp(data, 200, 64, 0.1);
  double first = mean_of(losses, 0, 10), last = mean_of(losses, losses.size() - 10, 10);
  EXPECT_LE(last, first / 2) << "first 10 steps " << first << ", last 10 steps " << last;
}

TEST(MnistTraining, LearnsASyntheticTask) {
  // Ten classes, each a fixed random prototype image plus noise: a task an
  // MLP learns in a few dozen steps, so the SGD loop runs even without MNIST.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<std::vector<double>> prototypes(10, std::vector<double>(784));
  for (auto& p : prototypes)
    for (double& v : p) v = unit(rng) < 0.2 ? 1.0 : 0.0;
  Samples data;
  for (int i = 0; i < 640; ++i) {
    int32_t label = i % 10;
    data.labels.push_back(label);
    for (double v : prototypes[label]) data.pixels.push_back(std::min(1.0, v + 0.3 * unit(rng)));
  }
  std::vector<double> losses = train_mnist_mlp(data, 40, 32, 0.1);
  double first = mean_of(losses, 0, 5), last = mean_of(losses, losses.size() - 5, 5);
  EXPECT_LE(last, first / 2) << "first 5 steps " << first << ", last 5 steps " << last;
}

}  // namespace
}  // namespace graphc
