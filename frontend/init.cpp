// PyTorch's initialisation schemes resolved to concrete distributions. The
// arithmetic follows torch.nn.init step by step (gain, then std, then bound)
// in double precision, so a bound here is the very double PyTorch computes and
// a model starts from the same distribution as its PyTorch twin.
#include "frontend/init.h"

#include <cmath>

namespace graphc::nn {

std::pair<int64_t, int64_t> fans(const Shape& weight) {
  if (weight.rank() < 2)
    throw Error(cat("fan-in and fan-out need a weight of rank >= 2 ([out, in] or [out, in/groups, kh, kw]), got ",
                    weight.str()));
  if (weight.has_batch()) throw Error(cat("a weight cannot have the batch dimension N: ", weight.str()));
  int64_t receptive_field = 1;
  for (size_t i = 2; i < weight.rank(); ++i) receptive_field *= weight[i];
  return {weight[1] * receptive_field, weight[0] * receptive_field};
}

Init Init::kaiming_uniform_default() { return kaiming_uniform(std::sqrt(5.0)); }

namespace {

// torch.nn.init.calculate_gain('leaky_relu', a); a = 0 is ReLU's sqrt(2).
double leaky_relu_gain(double negative_slope) { return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope)); }

InitSpec uniform_spec(double bound) { return {"uniform", {-bound, bound}}; }
InitSpec normal_spec(double stddev) { return {"normal", {0.0, stddev}}; }

}  // namespace

InitSpec Init::resolve(const Shape& shape) const {
  switch (kind) {
    case Kind::zeros: return {"zeros", {}};
    case Kind::ones: return {"ones", {}};
    case Kind::constant: return {"constant", {a}};
    case Kind::uniform:
      if (!(a <= b)) throw Error(cat("uniform init needs low <= high, got (", a, ", ", b, ")"));
      return {"uniform", {a, b}};
    case Kind::normal:
      if (!(b >= 0)) throw Error(cat("normal init needs std >= 0, got ", b));
      return {"normal", {a, b}};
    case Kind::kaiming_uniform:
    case Kind::kaiming_normal: {
      auto [fan_in, fan_out_count] = fans(shape);
      double fan = static_cast<double>(fan_out ? fan_out_count : fan_in);
      double stddev = leaky_relu_gain(a) / std::sqrt(fan);
      if (kind == Kind::kaiming_normal) return normal_spec(stddev);
      return uniform_spec(std::sqrt(3.0) * stddev);
    }
    case Kind::xavier_uniform:
    case Kind::xavier_normal: {
      auto [fan_in, fan_out_count] = fans(shape);
      double stddev = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out_count));
      if (kind == Kind::xavier_normal) return normal_spec(stddev);
      return uniform_spec(std::sqrt(3.0) * stddev);
    }
  }
  GRAPHC_ASSERT(false, "unknown Init kind ", static_cast<int>(kind));
}

InitSpec default_bias_init(int64_t fan_in) {
  double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  return uniform_spec(bound);
}

}  // namespace graphc::nn
