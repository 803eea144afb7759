// MNIST logistic regression: one Linear(784, 10) on the flattened image under
// softmax cross-entropy (seeds 000/001's MnistModel), laid out as
// shared/bench/torch_ref.py's nn.Sequential(Flatten, Linear), so the
// parameters are "1.weight" and "1.bias".
#include "frontend/nn.h"

namespace graphc::models {
namespace {

void build(Builder& b) {
  Tensor x = b.input("x", DType::f32, {kBatch, 1, 28, 28});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Sequential net{nn::Flatten(), nn::Linear(784, 10)};
  nn::classifier_outputs(b, net(x), y);
}

Recipe recipe() {
  Recipe r;
  r.dataset = "mnist";
  r.batch_size = 128;
  r.optimizer = "sgd";
  r.lr = 0.1;
  r.epochs = 3;
  r.val_fraction = 10000.0 / 60000.0;  // the seeds' random_split(dataset, [50000, 10000])
  r.mean = {0.0};
  r.std = {1.0};
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(mnist_logreg, "MNIST logistic regression Linear(784, 10) (seeds 000, 001)", recipe(), build);

}  // namespace graphc::models
