// Constant folding: a scalar op whose operands are all constants is replaced
// by the constant it computes. Autodiff's rules produce such arithmetic on
// scalars (1 - 0.1, -(0.5), pow exponents minus one, casts of constants).
//
// Assumes: constants are scalars (the IR has no tensor constants).
// Guarantees: the folded value is computed in double and rounded to the
// node's dtype as the op would round it (f32 through float, integer casts
// truncating, comparisons to 0/1); only finite results are folded, and only
// for f32, f64, integer and bool nodes (no f16/bf16 rounding here).
// batch_size is never folded: a graph does not record the batch its N was
// bound to. Returns whether any node was folded.
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

bool fold_constants(Graph& g);

}  // namespace graphc::passes
