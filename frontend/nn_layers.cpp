// The stateless-shape layers of nn.h: Linear, Conv2d, pooling and dropout.
// Each one checks its input against its options before building anything,
// creates its parameters with PyTorch's names, layouts and default init, and
// records the same arithmetic PyTorch's forward does.
#include <cmath>

#include "frontend/layer_errors.h"
#include "frontend/nn.h"

namespace graphc::nn {

using detail::build_layer;
using detail::dim_str;
using detail::layer_error;
using detail::require_float_input;

namespace {

// "(3, 3)" as PyTorch prints a pair of ints.
std::string pair_str(const std::vector<int64_t>& v) { return cat("(", v[0], ", ", v[1], ")"); }

// "3" when both entries agree, else "(3, 5)": how PyTorch prints pool options.
std::string int_or_pair_str(const std::vector<int64_t>& v) {
  if (v[0] == v[1]) return std::to_string(v[0]);
  return pair_str(v);
}

void require_image_input(Tensor x, const std::string& layer) {
  require_float_input(x, layer);
  if (x.rank() != 4) throw layer_error(x, layer, "input " + x.type().str() + " must be an image batch [N,C,H,W]");
}

}  // namespace

// ---- Linear -------------------------------------------------------------

std::string Linear::str() const {
  std::string s = cat("Linear(", in_features, ", ", out_features);
  if (!bias) s += ", bias=False";
  return s + ")";
}

Tensor Linear::operator()(Tensor x) const {
  const std::string layer = str();
  if (in_features <= 0 || out_features <= 0) throw layer_error(x, layer, "feature counts must be positive");
  require_float_input(x, layer);
  if (x.rank() < 2)
    throw layer_error(x, layer, cat("input ", x.type().str(), " must have rank >= 2 (a batch of rows of ", in_features,
                                    " features)"));
  if (x.dim(-1) != in_features)
    throw layer_error(x, layer, cat("input ", x.type().str(), " has ", dim_str(x.dim(-1)), " features, expected ",
                                    in_features));
  return build_layer(x, layer, [&] {
    Builder& b = x.builder();
    Shape weight_shape{out_features, in_features};
    Tensor weight = b.parameter("weight", weight_shape, weight_init.resolve(weight_shape));
    Tensor y = matmul(x, weight, /*transpose_a=*/false, /*transpose_b=*/true);
    if (bias) y = y + b.parameter("bias", {out_features}, default_bias_init(in_features));
    return y;
  });
}

// ---- Conv2d -------------------------------------------------------------

Conv2d::Conv2d(int64_t in, int64_t out, int64_t kernel_size, int64_t stride, int64_t padding, int64_t dilation,
               int64_t groups, bool bias)
    : in_channels(in), out_channels(out), kernel{kernel_size, kernel_size}, bias(bias) {
  options.stride = {stride, stride};
  options.padding = {padding, padding};
  options.dilation = {dilation, dilation};
  options.groups = groups;
}

std::string Conv2d::str() const {
  std::string s = cat("Conv2d(", in_channels, ", ", out_channels, ", kernel_size=", pair_str(kernel),
                      ", stride=", pair_str(options.stride));
  if (options.padding != std::vector<int64_t>{0, 0}) s += ", padding=" + pair_str(options.padding);
  if (options.dilation != std::vector<int64_t>{1, 1}) s += ", dilation=" + pair_str(options.dilation);
  if (options.groups != 1) s += cat(", groups=", options.groups);
  if (!bias) s += ", bias=False";
  return s + ")";
}

Tensor Conv2d::operator()(Tensor x) const {
  const std::string layer = str();
  if (in_channels <= 0 || out_channels <= 0 || options.groups <= 0)
    throw layer_error(x, layer, "channel and group counts must be positive");
  if (in_channels % options.groups != 0 || out_channels % options.groups != 0)
    throw layer_error(x, layer, cat("in_channels and out_channels must be divisible by groups (", options.groups, ")"));
  require_image_input(x, layer);
  if (x.dim(1) != in_channels)
    throw layer_error(x, layer, cat("input ", x.type().str(), " has ", dim_str(x.dim(1)), " channels, expected ",
                                    in_channels));
  return build_layer(x, layer, [&] {
    Builder& b = x.builder();
    Shape weight_shape{out_channels, in_channels / options.groups, kernel[0], kernel[1]};
    Tensor weight = b.parameter("weight", weight_shape, weight_init.resolve(weight_shape));
    Tensor y = conv2d(x, weight, options);
    if (bias) {
      Tensor b_vec = b.parameter("bias", {out_channels}, default_bias_init(fans(weight_shape).first));
      y = y + reshape(b_vec, {out_channels, 1, 1});  // broadcasts over [N,O,OH,OW]
    }
    return y;
  });
}

// ---- Pooling ------------------------------------------------------------

namespace {

Pool2dOptions pool_options(int64_t kernel, int64_t stride, int64_t padding) {
  Pool2dOptions o;
  o.kernel = {kernel, kernel};
  o.stride = stride == 0 ? o.kernel : std::vector<int64_t>{stride, stride};
  o.padding = {padding, padding};
  return o;
}

// PyTorch refuses padding wider than half the kernel: a window could then lie
// wholly in the padding.
void require_pool_options(Tensor x, const std::string& layer, const Pool2dOptions& o) {
  for (int i = 0; i < 2; ++i) {
    if (o.kernel[i] <= 0 || o.stride[i] <= 0 || o.padding[i] < 0)
      throw layer_error(x, layer, "kernel and stride must be positive and padding non-negative");
    if (o.padding[i] > o.kernel[i] / 2)
      throw layer_error(x, layer, "padding must be at most half the kernel size");
  }
}

}  // namespace

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride, int64_t padding, int64_t dilation)
    : options(pool_options(kernel, stride, padding)) {
  options.dilation = {dilation, dilation};
}

std::string MaxPool2d::str() const {
  return cat("MaxPool2d(kernel_size=", int_or_pair_str(options.kernel), ", stride=", int_or_pair_str(options.stride),
             ", padding=", int_or_pair_str(options.padding), ", dilation=", int_or_pair_str(options.dilation), ")");
}

Tensor MaxPool2d::operator()(Tensor x) const {
  const std::string layer = str();
  require_image_input(x, layer);
  require_pool_options(x, layer, options);
  return build_layer(x, layer, [&] { return max_pool2d(x, options); });
}

AvgPool2d::AvgPool2d(int64_t kernel, int64_t stride, int64_t padding, bool count_include_pad)
    : options(pool_options(kernel, stride, padding)) {
  options.count_include_pad = count_include_pad;
}

std::string AvgPool2d::str() const {
  std::string s = cat("AvgPool2d(kernel_size=", int_or_pair_str(options.kernel), ", stride=",
                      int_or_pair_str(options.stride), ", padding=", int_or_pair_str(options.padding));
  if (!options.count_include_pad) s += ", count_include_pad=False";
  return s + ")";
}

Tensor AvgPool2d::operator()(Tensor x) const {
  const std::string layer = str();
  require_image_input(x, layer);
  require_pool_options(x, layer, options);
  return build_layer(x, layer, [&] { return avg_pool2d(x, options); });
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t output_size) {
  if (output_size != 1)
    throw Error(cat("AdaptiveAvgPool2d(", output_size, "): only output_size 1 (global average pooling) is supported"));
}

std::string AdaptiveAvgPool2d::str() const { return "AdaptiveAvgPool2d(output_size=1)"; }

Tensor AdaptiveAvgPool2d::operator()(Tensor x) const {
  const std::string layer = str();
  require_image_input(x, layer);
  return build_layer(x, layer, [&] { return mean(x, {2, 3}, /*keepdims=*/true); });
}

// ---- Dropout ------------------------------------------------------------

std::string Dropout::str() const { return cat("Dropout(p=", p, ")"); }

Tensor Dropout::operator()(Tensor x) const {
  const std::string layer = str();
  if (!(p >= 0 && p <= 1)) throw layer_error(x, layer, "p must be in [0, 1]");
  require_float_input(x, layer);
  Builder& b = x.builder();
  if (!b.training() || p == 0) return x;
  return build_layer(x, layer, [&] {
    if (p == 1) return x * 0.0;  // every element dropped; the mask's 1/(1-p) would be infinite
    Shape shape = x.shape();  // a copy: x.shape() lives in the graph, which the mask's seed input grows
    Tensor mask = dropout_mask(b, shape, p);
    if (mask.dtype() != x.dtype()) mask = cast(mask, x.dtype());
    return mask * x;
  });
}

}  // namespace graphc::nn
