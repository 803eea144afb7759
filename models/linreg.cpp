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

// The tutorial's crop-yield table behind seeds 000/001: temperature, rainfall
// and humidity of 15 regions -> tonnes of apples and oranges.
constexpr const char* kCropYields = R"(temp,rainfall,humidity,apples,oranges
73,67,43,56,70
91,88,64,81,101
87,134,58,119,133
102,43,37,22,37
69,96,70,103,119
74,66,43,57,69
91,87,65,80,102
88,134,59,118,132
101,44,37,21,38
68,96,71,104,118
73,66,44,57,69
92,87,64,82,100
87,135,57,118,134
103,43,36,20,38
68,97,70,102,120
)";

// The seeds' DataLoader(train_ds, batch_size=11, shuffle=True), SGD lr 1e-5, 100 epochs.
Recipe recipe() {
  Recipe r;
  r.dataset = "csv";
  r.inline_csv = kCropYields;
  r.csv_targets = 2;
  r.batch_size = 11;
  r.optimizer = "sgd";
  r.lr = 1e-5;
  r.epochs = 100;
  return r;
}

}  // namespace

GRAPHC_REGISTER_MODEL(linreg, "Linear regression nn.Linear(3, 2) with MSE loss (seeds 000, 001)", recipe(), build);

}  // namespace graphc::models
