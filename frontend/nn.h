// nn:: layers and losses as a PyTorch user expects them. A layer is a small
// value holding its options; calling it on a Tensor creates its parameters
// (named under the builder's current scope, as PyTorch's state_dict would name
// them) and records its ops. Defaults and initialisation follow PyTorch.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "frontend/init.h"
#include "frontend/model_registry.h"
#include "frontend/ops.h"

namespace graphc::nn {

// Any Tensor -> Tensor callable is a layer.
using Layer = std::function<Tensor(Tensor)>;

struct Linear {
  int64_t in_features, out_features;
  bool bias = true;
  Init weight_init = Init::kaiming_uniform_default();  // PyTorch's default
  Linear(int64_t in, int64_t out, bool bias = true) : in_features(in), out_features(out), bias(bias) {}
  Tensor operator()(Tensor x) const;  // x[..., in] -> [..., out]
  std::string str() const;            // "Linear(784, 128)", as PyTorch prints it
};

struct Conv2d {
  int64_t in_channels, out_channels;
  std::vector<int64_t> kernel;
  Conv2dOptions options;
  bool bias = true;
  Init weight_init = Init::kaiming_uniform_default();
  Conv2d(int64_t in, int64_t out, int64_t kernel_size, int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1,
         int64_t groups = 1, bool bias = true);
  Tensor operator()(Tensor x) const;  // x[N,C,H,W] -> [N,O,OH,OW]
  std::string str() const;
};

struct MaxPool2d {
  Pool2dOptions options;
  explicit MaxPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0, int64_t dilation = 1);  // stride 0: kernel
  Tensor operator()(Tensor x) const;
  std::string str() const;
};

struct AvgPool2d {
  Pool2dOptions options;
  explicit AvgPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0, bool count_include_pad = true);
  Tensor operator()(Tensor x) const;
  std::string str() const;
};

// Global average pooling: [N,C,H,W] -> [N,C,1,1].
struct AdaptiveAvgPool2d {
  explicit AdaptiveAvgPool2d(int64_t output_size = 1);  // only 1 is supported
  Tensor operator()(Tensor x) const;
  std::string str() const;
};

struct ReLU { Tensor operator()(Tensor x) const { return relu(x); } };
struct Sigmoid { Tensor operator()(Tensor x) const { return sigmoid(x); } };
struct Tanh { Tensor operator()(Tensor x) const { return tanh(x); } };
struct Softmax { int64_t dim = -1; Tensor operator()(Tensor x) const { return softmax(x, dim); } };
struct LogSoftmax { int64_t dim = -1; Tensor operator()(Tensor x) const { return log_softmax(x, dim); } };
struct Flatten { int64_t start_dim = 1; Tensor operator()(Tensor x) const { return flatten(x, start_dim); } };
struct Identity { Tensor operator()(Tensor x) const { return x; } };

// Inverted dropout: scales kept values by 1/(1-p) in train mode, identity in eval.
struct Dropout {
  double p = 0.5;
  explicit Dropout(double p = 0.5) : p(p) {}
  Tensor operator()(Tensor x) const;
  std::string str() const;
};

// Batch norm over [N,C] (1d) or [N,C,H,W] (2d): weight (gamma, ones) and bias
// (beta, zeros) are parameters; running_mean (zeros) and running_var (ones)
// are frozen parameters that train mode updates through OutputRole::state
// outputs named after them, with PyTorch's momentum and unbiased variance.
// The normalisation is written in primitive ops, so autodiff differentiates
// through the batch mean and variance.
struct BatchNorm {
  int64_t num_features;
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;
  // The inputs accepted, as PyTorch checks them: 1 for BatchNorm1d ([N,C] or
  // [N,C,L]), 2 for BatchNorm2d ([N,C,H,W]), 0 for any rank >= 2.
  int spatial_dims = 0;
  Tensor operator()(Tensor x) const;
  std::string str() const;  // "BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True)"
};
inline BatchNorm BatchNorm1d(int64_t features, double eps = 1e-5, double momentum = 0.1) {
  return {features, eps, momentum, /*affine=*/true, /*spatial_dims=*/1};
}
inline BatchNorm BatchNorm2d(int64_t features, double eps = 1e-5, double momentum = 0.1) {
  return {features, eps, momentum, /*affine=*/true, /*spatial_dims=*/2};
}

// Layers applied in order; children are named "0", "1", ... like PyTorch's
// Sequential, or by the names given.
class Sequential {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<Layer> layers);
  Sequential(std::initializer_list<std::pair<std::string, Layer>> named_layers);
  Sequential& add(Layer layer);
  Sequential& add(std::string name, Layer layer);
  Tensor operator()(Tensor x) const;

 private:
  std::vector<std::pair<std::string, Layer>> layers_;
};

// Runs `layer` with its parameters under the scope `name`: named("fc1", Linear(400, 120)).
Layer named(std::string name, Layer layer);

// ResNet's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (identity,
// or conv1x1-BN when the stride or width changes), then ReLU. Children are
// named conv1, bn1, conv2, bn2, shortcut.0, shortcut.1.
struct BasicBlock {
  int64_t in_planes, planes, stride = 1;
  Tensor operator()(Tensor x) const;
  std::string str() const;
};

// Losses, reduced to a mean over the batch as PyTorch's defaults do.
Tensor cross_entropy(Tensor logits, Tensor labels);  // integer labels
Tensor nll_loss(Tensor log_probs, Tensor labels);
Tensor mse_loss(Tensor pred, Tensor target);
Tensor binary_cross_entropy(Tensor probs, Tensor target);
Tensor binary_cross_entropy_with_logits(Tensor logits, Tensor target);

// Declares a classifier's outputs: loss = cross_entropy(logits, labels),
// logits, and correct (the count of argmax(logits) == labels, f32[]).
void classifier_outputs(Builder& b, Tensor logits, Tensor labels);

}  // namespace graphc::nn
