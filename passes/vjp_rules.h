// Vector-Jacobian products: for every op of the table, how the gradient of
// the loss with respect to a node's value flows back to its operands. The
// rules are written with the frontend's op functions on the graph being
// differentiated, so a rule reads like the math it implements and the
// backward graph is made of ordinary IR ops that simplification, fusion and
// planning treat like the forward ones.
#pragma once

#include <optional>
#include <vector>

#include "frontend/builder.h"

namespace graphc::passes {

// Whether the op's value depends differentiably on operand `i` (somewhere
// other than on a set of measure zero): false for sources, comparisons,
// argmax, one_hot, dropout masks, integer casts and the labels of
// softmax_cross_entropy. Autodiff sends gradients only along such edges.
bool carries_gradient(const Node& n, size_t operand, const std::vector<TensorType>& operand_types);

// What a rule needs: the node (a copy: appending nodes moves the graph's
// storage), its value, its operands, the gradient arriving at its value, and
// which operands want a gradient.
struct VjpCall {
  Node node;
  Tensor value;
  std::vector<Tensor> operands;
  Tensor grad;
  std::vector<bool> wanted;
};

// One gradient per operand, of the operand's type; an invalid Tensor where
// none was wanted. Throws graphc::Error for the few second-order gradients
// that cannot be written with the ops of the table.
std::vector<Tensor> vector_jacobian_product(const VjpCall& call);

// A deliberately wrong rule, for tests that must see the gradient check fail:
// while the guard lives, the gradients `op` sends to its operands are scaled.
class ScopedVjpFaultForTesting {
 public:
  ScopedVjpFaultForTesting(OpKind op, double scale);
  ~ScopedVjpFaultForTesting();
  ScopedVjpFaultForTesting(const ScopedVjpFaultForTesting&) = delete;
  ScopedVjpFaultForTesting& operator=(const ScopedVjpFaultForTesting&) = delete;
};

}  // namespace graphc::passes
