// ResNet-18 for CIFAR-10 as shared/bench/torch_ref.py builds it: a 3x3 stem
// (no max pool), four stages of two BasicBlocks (64, 128, 256, 512 channels;
// stride 2 entering stages 2-4), global average pooling and Linear(512, 10).
// One nn.Sequential, so names follow PyTorch's indices: "0.weight" (stem conv),
// "1.*" (stem BN), "3.conv1.weight" ... "10.bn2.*", "13.weight" (classifier).
#include "frontend/nn.h"

namespace graphc::models {
namespace {

void build(Builder& b) {
  Tensor x = b.input("x", DType::f32, {kBatch, 3, 32, 32});
  Tensor y = b.input("y", DType::i32, {kBatch}, InputRole::label);
  nn::Sequential net{nn::Conv2d(3, 64, 3, 1, /*padding=*/1, 1, 1, /*bias=*/false), nn::BatchNorm2d(64), nn::ReLU()};
  int64_t in_planes = 64;
  for (auto [planes, stride] : {std::pair<int64_t, int64_t>{64, 1}, {128, 2}, {256, 2}, {512, 2}}) {
    net.add(nn::BasicBlock{in_planes, planes, stride}).add(nn::BasicBlock{planes, planes, 1});
    in_planes = planes;
  }
  net.add(nn::AdaptiveAvgPool2d(1)).add(nn::Flatten()).add(nn::Linear(512, 10));
  nn::classifier_outputs(b, net(x), y);
}

// torch_ref.py's resnet18 workload: batch 128, SGD nesterov momentum 0.9,
// lr 0.05, weight decay 5e-4; with a cosine schedule over 30 epochs and crop +
// flip augmentation, normalised with the CIFAR-10 channel statistics.
Recipe recipe() {
  Recipe r;
  r.dataset = "cifar10";
  r.batch_size = 128;
  r.optimizer = "nesterov";
  r.lr = 0.05;
  r.momentum = 0.9;
  r.weight_decay = 5e-4;
  r.schedule = "cosine";
  r.epochs = 30;
  r.mean = {0.4914, 0.4822, 0.4465};
  r.std = {0.2470, 0.2435, 0.2616};
  r.augment = true;
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(resnet18, "ResNet-18 for CIFAR-10: 3x3 stem, 8 BasicBlocks, batch norm (torch_ref.py)", recipe(),
                      build);

}  // namespace graphc::models
