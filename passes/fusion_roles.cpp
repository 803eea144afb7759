#include "passes/fusion_roles.h"

#include "ir/error.h"

namespace graphc::passes {

FusionRole fusion_role(OpKind k) {
  switch (k) {
    case OpKind::input:
    case OpKind::parameter:
    case OpKind::constant:
    case OpKind::batch_size: return FusionRole::source;
    case OpKind::neg:
    case OpKind::exp:
    case OpKind::log:
    case OpKind::sqrt:
    case OpKind::rsqrt:
    case OpKind::tanh:
    case OpKind::sigmoid:
    case OpKind::relu:
    case OpKind::abs:
    case OpKind::cast:
    case OpKind::add:
    case OpKind::sub:
    case OpKind::mul:
    case OpKind::div:
    case OpKind::max:
    case OpKind::min:
    case OpKind::pow:
    case OpKind::eq:
    case OpKind::ne:
    case OpKind::lt:
    case OpKind::le:
    case OpKind::gt:
    case OpKind::ge:
    case OpKind::select:
    case OpKind::one_hot:
    case OpKind::dropout_mask: return FusionRole::elementwise;
    case OpKind::reduce_sum:
    case OpKind::reduce_max:
    case OpKind::argmax: return FusionRole::reduction;
    case OpKind::reshape: return FusionRole::reshape;
    case OpKind::transpose:
    case OpKind::broadcast:
    case OpKind::slice:
    case OpKind::pad:
    case OpKind::concat: return FusionRole::movement;
    case OpKind::matmul:
    case OpKind::conv2d:
    case OpKind::conv2d_grad_input:
    case OpKind::conv2d_grad_weight: return FusionRole::contraction;
    case OpKind::max_pool2d:
    case OpKind::max_pool2d_grad:
    case OpKind::avg_pool2d:
    case OpKind::avg_pool2d_grad: return FusionRole::window;
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::softmax_cross_entropy: return FusionRole::softmax;
  }
  GRAPHC_ASSERT(false, "op kind ", static_cast<int>(k), " out of range");
}

}  // namespace graphc::passes
