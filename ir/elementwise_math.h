// The arithmetic of every elementwise op on one element, in double: the
// single definition the reference interpreter and constant folding share (and
// the one the emitters' generated code must agree with). NaN follows PyTorch:
// max, min and relu propagate it. Comparisons give 1 or 0; select picks its
// second operand where the first is non-zero.
#pragma once

#include <cmath>
#include <optional>

#include "ir/op.h"

namespace graphc {

inline double nan_max(double a, double b) { return a > b || std::isnan(a) ? a : b; }
inline double nan_min(double a, double b) { return a < b || std::isnan(a) ? a : b; }

inline double stable_sigmoid(double v) {
  if (v >= 0) return 1.0 / (1.0 + std::exp(-v));  // two forms, so exp never overflows
  const double e = std::exp(v);
  return e / (1.0 + e);
}

// The op applied to (a, b, c) (unused operands ignored), or nullopt when k is
// not an elementwise op with a per-element formula (cast converts dtypes and
// is the identity here: callers round to the target type).
inline std::optional<double> elementwise_math(OpKind k, double a, double b = 0, double c = 0) {
  switch (k) {
    case OpKind::neg: return -a;
    case OpKind::exp: return std::exp(a);
    case OpKind::log: return std::log(a);
    case OpKind::sqrt: return std::sqrt(a);
    case OpKind::rsqrt: return 1.0 / std::sqrt(a);
    case OpKind::tanh: return std::tanh(a);
    case OpKind::sigmoid: return stable_sigmoid(a);
    case OpKind::relu: return nan_max(a, 0.0);
    case OpKind::abs: return std::fabs(a);
    case OpKind::cast: return a;
    case OpKind::add: return a + b;
    case OpKind::sub: return a - b;
    case OpKind::mul: return a * b;
    case OpKind::div: return a / b;
    case OpKind::max: return nan_max(a, b);
    case OpKind::min: return nan_min(a, b);
    case OpKind::pow: return std::pow(a, b);
    case OpKind::eq: return a == b ? 1.0 : 0.0;
    case OpKind::ne: return a != b ? 1.0 : 0.0;
    case OpKind::lt: return a < b ? 1.0 : 0.0;
    case OpKind::le: return a <= b ? 1.0 : 0.0;
    case OpKind::gt: return a > b ? 1.0 : 0.0;
    case OpKind::ge: return a >= b ? 1.0 : 0.0;
    case OpKind::select: return a != 0 ? b : c;
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size:
    case OpKind::reduce_sum:
    case OpKind::reduce_max:
    case OpKind::argmax:
    case OpKind::reshape:
    case OpKind::transpose:
    case OpKind::broadcast:
    case OpKind::slice:
    case OpKind::pad:
    case OpKind::concat:
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight:
    case OpKind::max_pool2d:
    case OpKind::max_pool2d_grad:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad:
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::softmax_cross_entropy:
    case OpKind::one_hot:
    case OpKind::dropout_mask: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace graphc
