// LeNet-5 for CIFAR-10 (seed 002's Net, shared/bench/torch_ref.py's LeNet):
// conv5-pool-conv5-pool-fc120-fc84-fc10 with ReLU, parameters named conv1,
// conv2, fc1, fc2, fc3 as in that module.
#include "frontend/nn.h"

namespace graphc::models {
namespace {

void build(Builder& b) {
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 32, 32});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Layer conv1 = nn::named("conv1", nn::Conv2d(3, 6, 5));
  nn::Layer conv2 = nn::named("conv2", nn::Conv2d(6, 16, 5));
  nn::Layer fc1 = nn::named("fc1", nn::Linear(16 * 5 * 5, 120));
  nn::Layer fc2 = nn::named("fc2", nn::Linear(120, 84));
  nn::Layer fc3 = nn::named("fc3", nn::Linear(84, 10));
  nn::MaxPool2d pool(2, 2);
  Tensor h = pool(relu(conv1(x)));  // [N,6,14,14]
  h = pool(relu(conv2(h)));         // [N,16,5,5]
  h = flatten(h, 1);                // [N,400]
  Tensor logits = fc3(relu(fc2(relu(fc1(h)))));
  nn::classifier_outputs(b, logits, y);
}

// Seed 002: batch 4, SGD(lr=0.001, momentum=0.9), 2 epochs, Normalize((0.5,)*3, (0.5,)*3).
Recipe recipe() {
  Recipe r;
  r.dataset = "cifar10";
  r.batch_size = 4;
  r.optimizer = "momentum";
  r.lr = 0.001;
  r.momentum = 0.9;
  r.epochs = 2;
  r.mean = {0.5, 0.5, 0.5};
  r.std = {0.5, 0.5, 0.5};
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(lenet, "LeNet-5 for CIFAR-10: two 5x5 convs, three Linear layers (seed 002)", recipe(), build);

}  // namespace graphc::models
