// Liveness of the values kernels hand to each other. After fusion a value
// needs memory only if it crosses a kernel boundary (a group output); it must
// exist from the kernel that writes it until the last kernel that reads it,
// or until the end of the step when the caller reads it (a graph output).
// Memory planning packs these lifetimes into one arena.
//
// Assumes: the groups are in execution order (the schedule); a group reads
// only sources and outputs of earlier groups.
// Guarantees: one entry per group output, in order of the writing group and
// then of its `outputs`; intervals are closed ranges of group indices.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/fusion_plan.h"

namespace graphc::passes {

struct ValueLiveness {
  ValueId value = -1;
  int producer = -1;          // the group that writes the value
  int last_reader = -1;       // the last group that reads it; the producer when none does
  bool graph_output = false;  // the step's caller reads it after the last group
  // The closed interval of groups during which the value's memory is in use.
  int first() const { return producer; }
  int last(int group_count) const { return graph_output ? group_count - 1 : last_reader; }
};

// Throws graphc::Error when the plan is not a schedule of `g`: a group output
// that is not one of its nodes or is a source, a value written by two groups,
// or a group that reads a computed value no earlier group writes.
std::vector<ValueLiveness> compute_liveness(const Graph& g, const FusionPlan& plan);

}  // namespace graphc::passes
