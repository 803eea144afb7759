// Precision promotion: the same graph computing in f64 instead of f32. The
// gradient check runs models this way so that finite differences are not
// drowned by f32 rounding (a central difference in f32 has ~1e-3 relative
// error; in f64 ~1e-8), which makes a tight tolerance meaningful.
//
// Assumes: a well-formed graph.
// Guarantees: every f32 input, parameter, constant and cast target becomes
// f64; ops whose result type is f32 by definition (one_hot, dropout_mask,
// batch_size) are followed by a cast to f64; names, roles, init specs and
// outputs are unchanged, so the promoted graph takes the same feeds (in f64).
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

Graph promote_to_f64(const Graph& g);

}  // namespace graphc::passes
