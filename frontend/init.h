// Parameter initialisation as PyTorch does it, resolved to the IR's concrete
// InitSpec (uniform/normal bounds computed from fan-in and fan-out).
#pragma once

#include "ir/graph.h"

namespace graphc::nn {

// Fan-in and fan-out of a weight: [out, in] or [out, in/groups, kh, kw].
std::pair<int64_t, int64_t> fans(const Shape& weight);

struct Init {
  enum class Kind { zeros, ones, constant, uniform, normal, kaiming_uniform, kaiming_normal, xavier_uniform, xavier_normal };
  Kind kind = Kind::zeros;
  double a = 0, b = 0;  // constant: a; uniform/normal: (lo, hi) / (mean, std); kaiming: a = negative slope
  bool fan_out = false; // kaiming: use fan-out instead of fan-in
  double gain = 1;      // xavier

  // PyTorch's default for Linear and Conv weights: kaiming_uniform(a = sqrt(5)).
  static Init kaiming_uniform_default();
  static Init zeros() { return {Kind::zeros}; }
  static Init ones() { return {Kind::ones}; }
  static Init constant(double v) { return {Kind::constant, v}; }
  static Init uniform(double lo, double hi) { return {Kind::uniform, lo, hi}; }
  static Init normal(double mean, double std) { return {Kind::normal, mean, std}; }
  static Init kaiming_uniform(double a = 0, bool fan_out = false) { return {Kind::kaiming_uniform, a, 0, fan_out}; }
  static Init kaiming_normal(double a = 0, bool fan_out = false) { return {Kind::kaiming_normal, a, 0, fan_out}; }
  static Init xavier_uniform(double gain = 1) { return {Kind::xavier_uniform, 0, 0, false, gain}; }
  static Init xavier_normal(double gain = 1) { return {Kind::xavier_normal, 0, 0, false, gain}; }

  // The concrete distribution for a parameter of this shape.
  InitSpec resolve(const Shape& shape) const;
};

// PyTorch's bias default for Linear/Conv: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)).
InitSpec default_bias_init(int64_t fan_in);

}  // namespace graphc::nn
