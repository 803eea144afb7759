// The fusion rules, one function each, applied by fuse() in this order. Each
// rule merges groups of a Partition; every merge is refused when it would
// make the group graph cyclic (Partition::try_merge) or break the one-pass
// shape of a kernel (one_pass_kernel in fusion_rule_helpers.h). The order is
// part of the design: earlier rules get first claim on a node.
//
//  1. cluster_elementwise: elementwise and movement ops of the same shape
//     joined along producer -> consumer edges.
//  2. form_softmax_groups: softmax, log_softmax and softmax_cross_entropy
//     of the same logits, row reductions of those logits (argmax), and
//     their elementwise consumers over the logits or the rows.
//  3. fuse_bias_gradients: reduce_sum of a weight-gradient contraction's
//     dY over exactly the contracted axes joins that contraction.
//  4. form_reduction_groups: elementwise producers over a reduction's input
//     space (prologue), and reductions of the same input space and axes that
//     share a producer (one kernel, several outputs). Before contraction
//     epilogues, so that a cluster that could be either (the products of
//     batch-norm backward, between a conv's dX and their sums) goes where
//     fewer tensors are stored.
//  5. absorb_contraction_and_window_epilogues: elementwise clusters over a
//     contraction's or pool's output space that read its result.
//  6. absorb_reduction_epilogues: elementwise clusters over a reduction's
//     output space that read its result (mean = sum * 1/N).
//  7. fold_small_producers: an elementwise group read by only one other
//     group's elementwise ops joins it when recomputing it there is cheap.
//  8. place_reshapes: each reshape joins the group that reads it, or the
//     group that writes its operand, so it never costs a kernel.
#pragma once

#include "passes/fusion_partition.h"

namespace graphc::passes {

void cluster_elementwise(Partition& p);
void form_softmax_groups(Partition& p);
void fuse_bias_gradients(Partition& p);
void form_reduction_groups(Partition& p);
void absorb_contraction_and_window_epilogues(Partition& p);
void absorb_reduction_epilogues(Partition& p);
void fold_small_producers(Partition& p);
void place_reshapes(Partition& p);

}  // namespace graphc::passes
