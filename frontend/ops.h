// Op functions on Tensors: one helper per IR op plus the few compositions
// users expect (mean, scalar arithmetic). Attribute defaults follow PyTorch.
#pragma once

#include <vector>

#include "frontend/builder.h"

namespace graphc {

// Elementwise unary.
Tensor neg(Tensor x);
Tensor exp(Tensor x);
Tensor log(Tensor x);
Tensor sqrt(Tensor x);
Tensor rsqrt(Tensor x);
Tensor tanh(Tensor x);
Tensor sigmoid(Tensor x);
Tensor relu(Tensor x);
Tensor abs(Tensor x);
Tensor cast(Tensor x, DType dtype);

// Elementwise binary with numpy broadcasting; a double is a scalar constant
// of the tensor's dtype.
Tensor operator+(Tensor a, Tensor b);
Tensor operator-(Tensor a, Tensor b);
Tensor operator*(Tensor a, Tensor b);
Tensor operator/(Tensor a, Tensor b);
Tensor operator-(Tensor a);
Tensor operator+(Tensor a, double b);
Tensor operator-(Tensor a, double b);
Tensor operator*(Tensor a, double b);
Tensor operator/(Tensor a, double b);
Tensor operator+(double a, Tensor b);
Tensor operator-(double a, Tensor b);
Tensor operator*(double a, Tensor b);
Tensor operator/(double a, Tensor b);
Tensor maximum(Tensor a, Tensor b);
Tensor minimum(Tensor a, Tensor b);
Tensor pow(Tensor a, Tensor b);
Tensor pow(Tensor a, double b);
Tensor eq(Tensor a, Tensor b);
Tensor ne(Tensor a, Tensor b);
Tensor lt(Tensor a, Tensor b);
Tensor le(Tensor a, Tensor b);
Tensor gt(Tensor a, Tensor b);
Tensor ge(Tensor a, Tensor b);
Tensor select(Tensor cond, Tensor a, Tensor b);

// Reductions. Negative axes count from the end.
Tensor sum(Tensor x, std::vector<int64_t> axes, bool keepdims = false);
Tensor sum(Tensor x);  // all axes, to a scalar
Tensor max(Tensor x, std::vector<int64_t> axes, bool keepdims = false);
Tensor argmax(Tensor x, int64_t axis);
// sum / count, where the count includes N at run time when N is reduced.
Tensor mean(Tensor x, std::vector<int64_t> axes, bool keepdims = false);
Tensor mean(Tensor x);

// Movement.
Tensor reshape(Tensor x, Shape shape);
Tensor flatten(Tensor x, int64_t start_axis = 1);  // [N,C,H,W] -> [N,C*H*W]
Tensor transpose(Tensor x, std::vector<int64_t> perm);
Tensor broadcast_to(Tensor x, Shape shape);
Tensor slice(Tensor x, std::vector<int64_t> begin, std::vector<int64_t> end, std::vector<int64_t> step = {});
Tensor pad(Tensor x, std::vector<int64_t> low, std::vector<int64_t> high, double value = 0);
Tensor concat(std::vector<Tensor> xs, int64_t axis);

// Contractions.
Tensor matmul(Tensor a, Tensor b, bool transpose_a = false, bool transpose_b = false);

struct Conv2dOptions {
  std::vector<int64_t> stride{1, 1};
  std::vector<int64_t> padding{0, 0};
  std::vector<int64_t> dilation{1, 1};
  int64_t groups = 1;
  AttrMap attrs() const;
};
Tensor conv2d(Tensor x, Tensor w, const Conv2dOptions& o = {});
Tensor conv2d_grad_input(Tensor dy, Tensor w, const Shape& input_shape, const Conv2dOptions& o);
Tensor conv2d_grad_weight(Tensor x, Tensor dy, const Shape& weight_shape, const Conv2dOptions& o);

// Pooling; stride defaults to the kernel, as in PyTorch.
struct Pool2dOptions {
  std::vector<int64_t> kernel{2, 2};
  std::vector<int64_t> stride{};  // empty: same as kernel
  std::vector<int64_t> padding{0, 0};
  std::vector<int64_t> dilation{1, 1};   // max pooling only
  bool count_include_pad = true;         // average pooling only
  AttrMap max_attrs() const;
  AttrMap avg_attrs() const;
};
Tensor max_pool2d(Tensor x, const Pool2dOptions& o);
Tensor max_pool2d_grad(Tensor dy, Tensor x, const Pool2dOptions& o);
Tensor avg_pool2d(Tensor x, const Pool2dOptions& o);
Tensor avg_pool2d_grad(Tensor dy, const Shape& input_shape, const Pool2dOptions& o);

// Normalisation, losses, randomness.
Tensor softmax(Tensor x, int64_t axis = -1);
Tensor log_softmax(Tensor x, int64_t axis = -1);
Tensor softmax_cross_entropy(Tensor logits, Tensor labels);  // per sample, [N]
Tensor one_hot(Tensor labels, int64_t classes);
// 0 or 1/(1-p) per element of `shape`, a fresh stream of the step's seed.
Tensor dropout_mask(Builder& b, const Shape& shape, double p);

}  // namespace graphc
