// The result of fusion: the training graph partitioned into kernels. Memory
// planning, kernel-IR lowering and both emitters consume this one structure.
//
// Invariants (checked by check_fusion_plan): every non-source node belongs to
// exactly one group; groups are listed in an order that respects every data
// dependency (a group's inputs are sources or outputs of earlier groups); a
// group's nodes are in topological order; a group's `outputs` are exactly its
// values used by a later group or by a graph output.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc::passes {

// What a kernel is built around, which decides how it is lowered.
enum class GroupKind {
  elementwise,   // a chain/tree of elementwise ops over one iteration space
  reduction,     // elementwise producers feeding reductions over the same input space
  contraction,   // matmul or conv (forward or a gradient) with an elementwise epilogue
  softmax,       // softmax / log_softmax / softmax_cross_entropy rows with their consumers
  window,        // pooling and its gradients
  movement,      // data movement that could not be folded into a neighbour
  other,         // anything else, one op per kernel
};

std::string_view group_kind_name(GroupKind k);

struct FusedGroup {
  GroupKind kind = GroupKind::other;
  ValueId anchor = -1;               // the reduction/contraction/softmax/window node, -1 for elementwise chains
  std::vector<ValueId> nodes;        // the group's nodes, topological
  std::vector<ValueId> inputs;       // values read from outside the group (sources or earlier groups)
  std::vector<ValueId> outputs;      // values used after the group
};

struct FusionPlan {
  std::vector<FusedGroup> groups;    // in execution order
};

// The trivial plan, one node per group in graph order: the baseline fusion
// is measured against, and a correct input for everything downstream.
FusionPlan unfused_plan(const Graph& g);
// Throws graphc::Error naming the broken invariant.
void check_fusion_plan(const Graph& g, const FusionPlan& plan);
// Text for `graphc --dump-ir=after-fusion`: each group with its kind, inputs,
// outputs and its nodes in the printer's format.
std::string print_fusion_plan(const Graph& g, const FusionPlan& plan);
// One line saying what a group computes, for profiles and kernel listings:
// its ops in order (reshapes left out, at most six named), then the type of
// its anchor, or of its last node: "conv2d add relu gt -> f32[N,6,28,28]".
std::string summarize_group(const Graph& g, const FusedGroup& group);

}  // namespace graphc::passes
