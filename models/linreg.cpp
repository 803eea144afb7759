// Linear regression y = x W^T + b with nn.Linear(3, 2) and MSE, the model of
// seeds 000/001 (three inputs such as temperature, rainfall and humidity; two
// targets). Its parameters are PyTorch's "weight" [2,3] and "bias" [2].
#include "frontend/nn.h"

namespace graphc::models {
namespace {

void build(Builder& b) {
  Tensor x = b.input("x", DType::f32, {kBatch, 3});
  Tensor y = b.input("y", DType::f32, {kBatch, 2}, InputRole::label);
  Tensor prediction = nn::Linear(3, 2)(x);
  b.output("loss", nn::mse_loss(prediction, y), OutputRole::loss);
  b.output("logits", prediction, OutputRole::prediction);
}

// The seeds' DataLoader(train_ds, batch_size=11, shuffle=True), SGD lr 1e-5, 100 epochs.
Recipe recipe() {
  Recipe r;
  r.dataset = "linreg";
  r.batch_size = 11;
  r.optimizer = "sgd";
  r.lr = 1e-5;
  r.epochs = 100;
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(linreg, "Linear regression nn.Linear(3, 2) with MSE loss (seeds 000, 001)", recipe(), build);

}  // namespace graphc::models
