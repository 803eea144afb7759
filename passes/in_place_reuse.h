// In-place reuse: an elementwise kernel may write an output over an input
// that dies in that kernel, so the two share bytes instead of both being live
// at that step. Together with liveness this is what lets a chain like
// add -> relu -> mul run in one buffer.
//
// Why it is safe: an elementwise group is lowered to one loop over its
// output's iteration space that reads element i of every input before it
// writes element i of any output (lowering must keep that contract for
// groups with an in-place output). When the input has exactly as many
// elements as the output, of the same size, and only elementwise ops and
// reshapes (which keep the row-major index) lie between them, element i of
// the output depends on element i of the input and on nothing else of it.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/fusion_plan.h"
#include "passes/liveness.h"

namespace graphc::passes {

// Whether `group` may write `output` over `input`, as far as the kernel is
// concerned (the caller checks that `input` dies in this group and is an
// arena buffer).
bool can_write_in_place(const Graph& g, const FusedGroup& group, ValueId output, ValueId input);

// For each liveness entry, the index of the entry it overwrites, or -1.
// Only entries with in_arena[i] take part; an input is overwritten at most
// once, and never when it is a graph output or lives past this group.
std::vector<int> choose_in_place(const Graph& g, const FusionPlan& plan, const std::vector<ValueLiveness>& live,
                                 const std::vector<bool>& in_arena);

}  // namespace graphc::passes
