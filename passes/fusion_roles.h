// How fusion sees each op: which ops can share a loop nest with their
// neighbours (elementwise and index-remapping ops), which ones a kernel is
// built around (anchors), and which ones cost nothing (reshape: the same
// bytes under another shape). Both the fusion pass and the plan checker read
// this one table, so a group's kind always agrees with what it contains.
#pragma once

#include "ir/op.h"

namespace graphc::passes {

enum class FusionRole {
  source,       // input, parameter, constant, batch_size: read by kernels, never in one
  elementwise,  // one output element from operand elements at the same (broadcast) index;
                // one_hot and dropout_mask too: their element is a function of its index
  movement,     // transpose, broadcast, slice, pad, concat: an index remapping, folded
                // into the loop nest of whoever reads it
  reshape,      // a view of contiguous data, free wherever it is placed
  reduction,    // reduce_sum, reduce_max, argmax
  contraction,  // matmul, conv2d and its two gradients
  window,       // pooling and its gradients
  softmax,      // softmax, log_softmax, softmax_cross_entropy: row kernels
};

FusionRole fusion_role(OpKind k);

// Anchors are what a non-elementwise kernel is built around.
inline bool is_anchor_role(FusionRole r) {
  return r == FusionRole::reduction || r == FusionRole::contraction || r == FusionRole::window ||
         r == FusionRole::softmax;
}

}  // namespace graphc::passes
