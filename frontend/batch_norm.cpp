// Batch norm written in primitive ops rather than as one fused op: autodiff
// then differentiates through the batch mean and variance with the ordinary
// rules, and fusion is free to merge the pieces. The running statistics are
// frozen parameters; train mode returns their new values as OutputRole::state
// outputs named after them, which the trainer writes back after each step.
// Every op gets its own statement: C++ leaves the order of operands of `+`
// and `*` unspecified, and the node order (golden IR) must not depend on it.
#include "frontend/layer_errors.h"
#include "frontend/nn.h"

namespace graphc::nn {

using detail::build_layer;
using detail::dim_str;
using detail::layer_error;
using detail::require_float_input;

std::string BatchNorm::str() const {
  std::string s = "BatchNorm";
  if (spatial_dims > 0) s += cat(spatial_dims, "d");
  s += cat("(", num_features, ", eps=", eps, ", momentum=", momentum, ", affine=");
  if (affine)
    s += "True)";
  else
    s += "False)";
  return s;
}

namespace {

void check_input(Tensor x, const BatchNorm& bn, const std::string& layer) {
  if (bn.num_features <= 0) throw layer_error(x, layer, "num_features must be positive");
  if (!(bn.eps >= 0)) throw layer_error(x, layer, "eps must be non-negative");
  if (!(bn.momentum >= 0 && bn.momentum <= 1)) throw layer_error(x, layer, "momentum must be in [0, 1]");
  require_float_input(x, layer);
  size_t r = x.rank();
  bool rank_ok = bn.spatial_dims == 1 ? (r == 2 || r == 3) : bn.spatial_dims == 2 ? r == 4 : r >= 2;
  if (!rank_ok) {
    std::string expected = "[N,C,...]";
    if (bn.spatial_dims == 1) expected = "[N,C] or [N,C,L]";
    if (bn.spatial_dims == 2) expected = "[N,C,H,W]";
    throw layer_error(x, layer, "input " + x.type().str() + " must be " + expected);
  }
  if (x.dim(1) != bn.num_features)
    throw layer_error(x, layer, cat("input ", x.type().str(), " has ", dim_str(x.dim(1)), " channels, expected ",
                                    bn.num_features));
}

// The number of values each channel's statistics are taken over: N times the
// spatial size, with N known only at run time when the batch is symbolic.
Tensor reduced_count(Tensor x, const std::vector<int64_t>& axes) {
  Builder& b = x.builder();
  double static_count = 1;
  bool over_batch = false;
  for (int64_t a : axes) {
    if (x.shape()[a] == kBatch)
      over_batch = true;
    else
      static_count *= static_cast<double>(x.shape()[a]);
  }
  if (!over_batch) return b.constant(static_count, x.dtype());
  Tensor n = b.batch_size();
  if (n.dtype() != x.dtype()) n = cast(n, x.dtype());
  return static_count == 1 ? n : n * static_count;
}

// running <- (1 - momentum) * running + momentum * batch_stat, as the state
// output named after the running parameter. A layer called twice in one step
// (weight sharing) updates its statistics twice in order, as PyTorch does: the
// second update starts from the first one's result.
void update_running_stat(Builder& b, const std::string& param_name, Tensor running, Tensor batch_stat,
                         double momentum) {
  std::string name = b.scoped_name(param_name);
  Tensor current = running;
  if (const Output* earlier = b.graph().find_output(name)) current = b.wrap(earlier->value);
  Tensor kept = (1.0 - momentum) * current;
  Tensor added = momentum * batch_stat;
  Tensor updated = kept + added;
  for (Output& o : b.graph().mutable_outputs())
    if (o.name == name) {
      o.value = updated.id();
      return;
    }
  b.output(name, updated, OutputRole::state);
}

}  // namespace

Tensor BatchNorm::operator()(Tensor x) const {
  const std::string layer = str();
  check_input(x, *this, layer);
  return build_layer(x, layer, [&] {
    Builder& b = x.builder();
    const int64_t channels = num_features;
    Tensor gamma, beta;
    if (affine) {
      gamma = b.parameter("weight", {channels}, Init::ones().resolve({channels}));
      beta = b.parameter("bias", {channels}, Init::zeros().resolve({channels}));
    }
    Tensor running_mean = b.parameter("running_mean", {channels}, Init::zeros().resolve({channels}), false);
    Tensor running_var = b.parameter("running_var", {channels}, Init::ones().resolve({channels}), false);

    // Per-channel values [C] broadcast against x as [C,1,...,1].
    std::vector<int64_t> channel_dims(x.rank() - 1, 1);
    channel_dims[0] = channels;
    auto per_channel = [&](Tensor v) { return x.rank() == 2 ? v : reshape(v, Shape(channel_dims)); };

    std::vector<int64_t> axes;  // every axis but the channel axis
    for (int64_t a = 0; a < static_cast<int64_t>(x.rank()); ++a)
      if (a != 1) axes.push_back(a);

    Tensor y;
    if (b.training()) {
      Tensor batch_mean = mean(x, axes);  // [C]
      Tensor centered = x - per_channel(batch_mean);
      Tensor batch_var = mean(centered * centered, axes);  // biased, [C]
      y = centered * per_channel(rsqrt(batch_var + eps));
      Tensor n = reduced_count(x, axes);
      Tensor unbiased_var = batch_var * (n / (n - 1.0));
      update_running_stat(b, "running_mean", running_mean, batch_mean, momentum);
      update_running_stat(b, "running_var", running_var, unbiased_var, momentum);
    } else {
      Tensor centered = x - per_channel(running_mean);
      y = centered * per_channel(rsqrt(running_var + eps));
    }
    if (affine) {
      y = y * per_channel(gamma);
      y = y + per_channel(beta);
    }
    return y;
  });
}

}  // namespace graphc::nn
