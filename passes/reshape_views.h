// Reshape views: in row-major layout a reshape moves no data, so a group
// output that is only a reshape of a value already stored (an input of the
// group, or another of its outputs) needs no bytes and no stores of its own:
// it is a view of the storage that value lives in, be it an arena buffer, a
// graph input, a parameter in the flat buffer or a gradient slot. A group
// whose outputs are all views needs no kernel at all. Without this a
// flattened input image (mnist's x as [N,784], read again by the weight
// gradient) would be copied and kept for the whole step.
//
// Contract with lowering and the executor: a view output is not written by
// its group; its readers find it at the storage of the value it views.
//
// Guarantees: a view is never a gradient output (the producer of a gradient
// writes its slot); the viewed value owns storage: it is no view itself
// (views of views resolve to the first owner) and no constant or batch_size
// (immediates have no address).
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/fusion_plan.h"
#include "passes/liveness.h"

namespace graphc::passes {

// The value that the group output `v` shows in another shape: following
// reshapes inside the group from `v` down to an input of the group or
// another of its outputs. -1 when `v` is no reshape, or the chain reaches a
// value the group computes without storing it.
ValueId reshaped_value(const Graph& g, const FusedGroup& group, ValueId v);

// For each liveness entry, the value whose storage it views, or -1.
std::vector<ValueId> find_reshape_views(const Graph& g, const FusionPlan& plan, const std::vector<ValueLiveness>& live);

}  // namespace graphc::passes
