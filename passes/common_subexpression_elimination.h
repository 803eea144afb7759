// Common-subexpression elimination: nodes with the same op, the same
// operands, the same attributes and the same type compute the same value, so
// all but the first are replaced by the first. Autodiff repeats small
// expressions freely (constants, softmax of the same logits, casts of the
// same mask) and relies on this pass to merge them.
//
// Assumes: ops are pure functions of their operands and attributes. That
// holds for dropout_mask too: its value is fixed by (seed, stream, p, shape),
// so masks of different streams differ by attributes and are never merged.
// Guarantees: inputs and parameters are never merged (each is a distinct
// feed); a node with a NaN attribute is never merged (NaN equals nothing);
// outputs are re-pointed to the surviving value. Returns whether any node
// was merged.
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

bool eliminate_common_subexpressions(Graph& g);

}  // namespace graphc::passes
