#include "frontend/ops.h"

#include <algorithm>

namespace graphc {

namespace {
Tensor unary(OpKind k, Tensor x) { return x.builder().op(k, {x}); }
Tensor binary(OpKind k, Tensor a, Tensor b) { return a.builder().op(k, {a, b}); }
Tensor scalar_like(Tensor x, double v) { return x.builder().constant(v, x.dtype()); }

std::vector<int64_t> normalize_axes(Tensor x, std::vector<int64_t> axes) {
  for (auto& a : axes) {
    int64_t r = static_cast<int64_t>(x.rank());
    if (a < -r || a >= r) throw Error(cat("axis ", a, " is out of range for ", x.type().str()));
    if (a < 0) a += r;
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

std::vector<int64_t> all_axes(Tensor x) {
  std::vector<int64_t> axes(x.rank());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  return axes;
}
}  // namespace

Tensor neg(Tensor x) { return unary(OpKind::neg, x); }
Tensor exp(Tensor x) { return unary(OpKind::exp, x); }
Tensor log(Tensor x) { return unary(OpKind::log, x); }
Tensor sqrt(Tensor x) { return unary(OpKind::sqrt, x); }
Tensor rsqrt(Tensor x) { return unary(OpKind::rsqrt, x); }
Tensor tanh(Tensor x) { return unary(OpKind::tanh, x); }
Tensor sigmoid(Tensor x) { return unary(OpKind::sigmoid, x); }
Tensor relu(Tensor x) { return unary(OpKind::relu, x); }
Tensor abs(Tensor x) { return unary(OpKind::abs, x); }
Tensor cast(Tensor x, DType dtype) { return x.builder().op(OpKind::cast, {x}, {{"dtype", dtype}}); }

Tensor operator+(Tensor a, Tensor b) { return binary(OpKind::add, a, b); }
Tensor operator-(Tensor a, Tensor b) { return binary(OpKind::sub, a, b); }
Tensor operator*(Tensor a, Tensor b) { return binary(OpKind::mul, a, b); }
Tensor operator/(Tensor a, Tensor b) { return binary(OpKind::div, a, b); }
Tensor operator-(Tensor a) { return neg(a); }
Tensor operator+(Tensor a, double b) { return a + scalar_like(a, b); }
Tensor operator-(Tensor a, double b) { return a - scalar_like(a, b); }
Tensor operator*(Tensor a, double b) { return a * scalar_like(a, b); }
Tensor operator/(Tensor a, double b) { return a / scalar_like(a, b); }
Tensor operator+(double a, Tensor b) { return scalar_like(b, a) + b; }
Tensor operator-(double a, Tensor b) { return scalar_like(b, a) - b; }
Tensor operator*(double a, Tensor b) { return scalar_like(b, a) * b; }
Tensor operator/(double a, Tensor b) { return scalar_like(b, a) / b; }
Tensor maximum(Tensor a, Tensor b) { return binary(OpKind::max, a, b); }
Tensor minimum(Tensor a, Tensor b) { return binary(OpKind::min, a, b); }
Tensor pow(Tensor a, Tensor b) { return binary(OpKind::pow, a, b); }
Tensor pow(Tensor a, double b) { return pow(a, scalar_like(a, b)); }
Tensor eq(Tensor a, Tensor b) { return binary(OpKind::eq, a, b); }
Tensor ne(Tensor a, Tensor b) { return binary(OpKind::ne, a, b); }
Tensor lt(Tensor a, Tensor b) { return binary(OpKind::lt, a, b); }
Tensor le(Tensor a, Tensor b) { return binary(OpKind::le, a, b); }
Tensor gt(Tensor a, Tensor b) { return binary(OpKind::gt, a, b); }
Tensor ge(Tensor a, Tensor b) { return binary(OpKind::ge, a, b); }
Tensor select(Tensor cond, Tensor a, Tensor b) { return cond.builder().op(OpKind::select, {cond, a, b}); }

Tensor sum(Tensor x, std::vector<int64_t> axes, bool keepdims) {
  return x.builder().op(OpKind::reduce_sum, {x}, {{"axes", normalize_axes(x, std::move(axes))}, {"keepdims", keepdims}});
}
Tensor sum(Tensor x) { return sum(x, all_axes(x)); }
Tensor max(Tensor x, std::vector<int64_t> axes, bool keepdims) {
  return x.builder().op(OpKind::reduce_max, {x}, {{"axes", normalize_axes(x, std::move(axes))}, {"keepdims", keepdims}});
}
Tensor argmax(Tensor x, int64_t axis) {
  return x.builder().op(OpKind::argmax, {x}, {{"axis", normalize_axes(x, {axis})[0]}});
}

Tensor mean(Tensor x, std::vector<int64_t> axes, bool keepdims) {
  axes = normalize_axes(x, std::move(axes));
  int64_t count = 1;
  bool over_batch = false;
  for (int64_t a : axes) {
    if (x.shape()[a] == kBatch)
      over_batch = true;
    else
      count *= x.shape()[a];
  }
  Tensor m = sum(x, axes, keepdims);
  if (count != 1) m = m * (1.0 / static_cast<double>(count));
  if (over_batch) {
    Tensor n = x.builder().batch_size();
    m = m / (x.dtype() == n.dtype() ? n : cast(n, x.dtype()));
  }
  return m;
}
Tensor mean(Tensor x) { return mean(x, all_axes(x)); }

Tensor reshape(Tensor x, Shape shape) {
  return x.builder().op(OpKind::reshape, {x}, {{"shape", shape.dims()}});
}

Tensor flatten(Tensor x, int64_t start_axis) {
  std::vector<int64_t> dims(x.shape().dims().begin(), x.shape().dims().begin() + start_axis);
  int64_t rest = 1;
  for (size_t i = start_axis; i < x.rank(); ++i) {
    if (x.shape()[i] == kBatch) throw Error(cat("flatten: cannot fold N into other axes of ", x.type().str()));
    rest *= x.shape()[i];
  }
  dims.push_back(rest);
  return reshape(x, Shape(dims));
}

Tensor transpose(Tensor x, std::vector<int64_t> perm) {
  return x.builder().op(OpKind::transpose, {x}, {{"perm", std::move(perm)}});
}

Tensor broadcast_to(Tensor x, Shape shape) {
  if (x.shape() == shape) return x;
  return x.builder().op(OpKind::broadcast, {x}, {{"shape", shape.dims()}});
}

Tensor slice(Tensor x, std::vector<int64_t> begin, std::vector<int64_t> end, std::vector<int64_t> step) {
  if (step.empty()) step.assign(x.rank(), 1);
  return x.builder().op(OpKind::slice, {x}, {{"begin", std::move(begin)}, {"end", std::move(end)}, {"step", std::move(step)}});
}

Tensor pad(Tensor x, std::vector<int64_t> low, std::vector<int64_t> high, double value) {
  return x.builder().op(OpKind::pad, {x}, {{"low", std::move(low)}, {"high", std::move(high)}, {"value", value}});
}

Tensor concat(std::vector<Tensor> xs, int64_t axis) {
  if (xs.empty()) throw Error("concat: needs at least one tensor");
  return xs[0].builder().op(OpKind::concat, xs, {{"axis", normalize_axes(xs[0], {axis})[0]}});
}

Tensor matmul(Tensor a, Tensor b, bool transpose_a, bool transpose_b) {
  return a.builder().op(OpKind::matmul, {a, b}, {{"transpose_a", transpose_a}, {"transpose_b", transpose_b}});
}

AttrMap Conv2dOptions::attrs() const {
  return {{"stride", stride}, {"padding", padding}, {"dilation", dilation}, {"groups", groups}};
}

Tensor conv2d(Tensor x, Tensor w, const Conv2dOptions& o) { return x.builder().op(OpKind::conv2d, {x, w}, o.attrs()); }

Tensor conv2d_grad_input(Tensor dy, Tensor w, const Shape& input_shape, const Conv2dOptions& o) {
  AttrMap a = o.attrs();
  a["input_shape"] = input_shape.dims();
  return dy.builder().op(OpKind::conv2d_grad_input, {dy, w}, std::move(a));
}

Tensor conv2d_grad_weight(Tensor x, Tensor dy, const Shape& weight_shape, const Conv2dOptions& o) {
  AttrMap a = o.attrs();
  a["weight_shape"] = weight_shape.dims();
  return x.builder().op(OpKind::conv2d_grad_weight, {x, dy}, std::move(a));
}

AttrMap Pool2dOptions::max_attrs() const {
  return {{"kernel", kernel}, {"stride", stride.empty() ? kernel : stride}, {"padding", padding}, {"dilation", dilation}};
}

AttrMap Pool2dOptions::avg_attrs() const {
  return {{"kernel", kernel},
          {"stride", stride.empty() ? kernel : stride},
          {"padding", padding},
          {"count_include_pad", count_include_pad}};
}

Tensor max_pool2d(Tensor x, const Pool2dOptions& o) { return x.builder().op(OpKind::max_pool2d, {x}, o.max_attrs()); }
Tensor max_pool2d_grad(Tensor dy, Tensor x, const Pool2dOptions& o) {
  return x.builder().op(OpKind::max_pool2d_grad, {dy, x}, o.max_attrs());
}
Tensor avg_pool2d(Tensor x, const Pool2dOptions& o) { return x.builder().op(OpKind::avg_pool2d, {x}, o.avg_attrs()); }
Tensor avg_pool2d_grad(Tensor dy, const Shape& input_shape, const Pool2dOptions& o) {
  AttrMap a = o.avg_attrs();
  a["input_shape"] = input_shape.dims();
  return dy.builder().op(OpKind::avg_pool2d_grad, {dy}, std::move(a));
}

Tensor softmax(Tensor x, int64_t axis) {
  return x.builder().op(OpKind::softmax, {x}, {{"axis", normalize_axes(x, {axis})[0]}});
}
Tensor log_softmax(Tensor x, int64_t axis) {
  return x.builder().op(OpKind::log_softmax, {x}, {{"axis", normalize_axes(x, {axis})[0]}});
}
Tensor softmax_cross_entropy(Tensor logits, Tensor labels) {
  return logits.builder().op(OpKind::softmax_cross_entropy, {logits, labels});
}
Tensor one_hot(Tensor labels, int64_t classes) {
  return labels.builder().op(OpKind::one_hot, {labels}, {{"classes", classes}});
}

Tensor dropout_mask(Builder& b, const Shape& shape, double p) {
  std::vector<int64_t> dims = shape.dims();  // `shape` may live in the graph that seed() grows
  Tensor seed = b.seed();
  return b.op(OpKind::dropout_mask, {seed},
              {{"p", p}, {"stream", static_cast<int64_t>(b.next_rng_stream())}, {"shape", std::move(dims)}});
}

}  // namespace graphc
