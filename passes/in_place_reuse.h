// In-place reuse: a kernel may write an output over an input that dies in
// that kernel, so the two share bytes instead of both being live at that
// step. This lets a chain like add -> relu -> mul run in one buffer, and the
// elementwise epilogue of a matmul, conv or pooling gradient (the relu mask
// of backward) write over the mask it consumes.
//
// When it is safe: every node of the group that reads the input, directly or
// through other nodes, is elementwise (or a reshape) over as many elements
// as the output, and the output is the only output of the group among them.
// Then no anchor (matmul, reduction, pool) and no index-remapping op
// (transpose, broadcast, slice) reads the input, and lowering
// (codegen/lower_group.h) computes element i of the output from element i of
// the input, loaded in the same loop nest before element i is stored, or in
// an earlier nest that materialises a value between them; no later nest
// reads the input. Lowering must keep that order for groups with an
// in-place output.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "passes/fusion_plan.h"
#include "passes/liveness.h"

namespace graphc::passes {

// Whether `group` may write `output` over `input`, as far as the kernel is
// concerned (the caller checks that `input` dies in this group and is an
// arena buffer of the same size).
bool can_write_in_place(const Graph& g, const FusedGroup& group, ValueId output, ValueId input);

// For each liveness entry, the index of the entry it overwrites, or -1.
// Only entries with in_arena[i] take part; an input is overwritten at most
// once, and never when it is a graph output or lives past this group.
std::vector<int> choose_in_place(const Graph& g, const FusionPlan& plan, const std::vector<ValueLiveness>& live,
                                 const std::vector<bool>& in_arena);

}  // namespace graphc::passes
