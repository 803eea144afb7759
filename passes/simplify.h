// The `simplify` pipeline step: algebraic identities, constant folding,
// common-subexpression elimination and dead-code elimination, repeated until
// none of them changes the graph (one rewrite exposes the next: x*1 -> x
// makes two nodes equal, CSE merges them, DCE drops the leftovers).
//
// Assumes: a well-formed graph.
// Guarantees: the same outputs with the same values (folded constants are
// rounded as the ops would round them); returns whether anything changed.
// Every rewrite shortens what it matches, so the loop ends; an assertion
// catches a pair of rewrites that would undo each other.
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

bool simplify(Graph& g);

}  // namespace graphc::passes
