// Epilogues of the anchors this folder lowers by hand (pools, their
// gradients, softmaxes): the group outputs that are elementwise functions of
// the anchor at the same coordinates are computed in the anchor's own loop
// body, from the register holding its value, and stored there. The anchor
// itself is stored only if something else still reads it. So the fused
// groups fusion builds (max_pool2d_grad * relu mask, (softmax - one_hot) *
// scale, pool -> flatten) write their outputs once and need no scratch round
// trip.
//
// Invariant kept for the driver: every value the epilogue leaves unstored
// is read by nothing outside it, and every output it stores is marked
// materialised, so the driver neither recomputes nor re-stores it.
#pragma once

#include <vector>

#include "codegen/lowering_context.h"

namespace graphc::codegen::lowering {

struct Epilogue {
  ValueId anchor = -1;
  bool store_anchor = true;       // its buffer is needed (a group output, or read by other nodes)
  std::vector<ValueId> outputs;   // outputs of the anchor's shape, computed from its register
  std::vector<ValueId> reshaped;  // outputs reshape(anchor): the same bytes, at the anchor's flat index
};

// Decides what the anchor's loop body computes and stores (call it before
// emitting the anchor's nest; nodes materialised so far are read from
// their buffers).
Epilogue plan_epilogue(Context& ctx, ValueId anchor);
// With `value` the anchor at `coords` (its own shape): stores the anchor if
// needed, then the outputs and reshaped outputs, into body.
void emit_epilogue(Context& ctx, const Epilogue& e, const Coords& coords, const ExprPtr& value, Body& body);
// After the nest: the stored outputs are materialised from now on.
void finish_epilogue(Context& ctx, const Epilogue& e);

}  // namespace graphc::codegen::lowering
