// Seed 000's Cifar10CnnModel, the VGG-style CIFAR-10 network: three stages of
// two 3x3 convs and a 2x2 max pool (32-64, 128-128, 256-256 channels), then
// Linear 4096-1024-512-10. Built as shared/bench/torch_ref.py's cifar_cnn, one
// nn.Sequential, so the parameter names carry PyTorch's child indices, ReLU,
// pooling and Flatten entries counted: "0.weight", "2.weight", "5.weight", ...
#include "frontend/nn.h"

namespace graphc::models {
namespace {

void build(Builder& b) {
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 32, 32});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Sequential net;
  auto conv_relu = [&](int64_t in, int64_t out) { net.add(nn::Conv2d(in, out, 3, 1, /*padding=*/1)).add(nn::ReLU()); };
  conv_relu(3, 32);
  conv_relu(32, 64);
  net.add(nn::MaxPool2d(2, 2));  // [N,64,16,16]
  conv_relu(64, 128);
  conv_relu(128, 128);
  net.add(nn::MaxPool2d(2, 2));  // [N,128,8,8]
  conv_relu(128, 256);
  conv_relu(256, 256);
  net.add(nn::MaxPool2d(2, 2));  // [N,256,4,4]
  net.add(nn::Flatten())
      .add(nn::Linear(256 * 4 * 4, 1024))
      .add(nn::ReLU())
      .add(nn::Linear(1024, 512))
      .add(nn::ReLU())
      .add(nn::Linear(512, 10));
  nn::classifier_outputs(b, net(x), y);
}

// Seed 000: batch 128, Adam lr 0.001, 10 epochs; torch_ref.py normalises with mean = std = 0.5.
Recipe recipe() {
  Recipe r;
  r.dataset = "cifar10";
  r.batch_size = 128;
  r.optimizer = "adam";
  r.lr = 0.001;
  r.epochs = 10;
  r.mean = {0.5, 0.5, 0.5};
  r.std = {0.5, 0.5, 0.5};
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(cifar_cnn, "VGG-style CIFAR-10 CNN: 6 convs, 3 max pools, 3 Linear layers (seed 000)", recipe(),
                      build);

}  // namespace graphc::models
