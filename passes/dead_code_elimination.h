// Dead-code elimination: drops every node no output depends on. Autodiff and
// the algebraic rewrites leave such nodes behind (a forward value only the
// backward pass used, an operand of a rewritten expression).
//
// Assumes: nothing beyond a well-formed graph.
// Guarantees: every output's cone is kept in the original order; inputs and
// parameters are always kept (they are the program's interface, fed by name,
// even when unused); outputs keep their names, roles and order. Returns
// whether any node was dropped.
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

bool eliminate_dead_code(Graph& g);

}  // namespace graphc::passes
