// Algebraic simplification: the identities autodiff's rules leave behind,
// rewritten to the simpler equal expression.
//   x*1, 1*x, x+0, 0+x, x-0, x/1 -> x       (when the result has x's type)
//   neg(neg(x))                    -> x
//   transpose(transpose(x, p), q)  -> transpose(x, p∘q), or x if that is the identity
//   transpose(x, identity)         -> x
//   reshape(reshape(x))            -> reshape(x); reshape to x's shape -> x
//   broadcast(broadcast(x))        -> broadcast(x); broadcast to x's shape -> x
//   reshape(broadcast(x)), broadcast(reshape(x)) with x a single element
//                                  -> broadcast(x)
//   op(broadcast(x), y) for an elementwise op that broadcasts x the same
//   way implicitly                 -> op(x, y)
//   reduce_sum(broadcast(x), exactly the broadcast axes)
//                                  -> x * count (reshaped), or x when count is 1
//   reduce_sum over no axes        -> x
//   cast(x) to x's dtype           -> x
//
// Assumes: constants are scalars; the broadcast-then-sum rewrite applies only
// when every summed axis is static (a count involving N is not a constant).
// Guarantees: each rewrite produces the same values (x+0 -> x keeps -0.0
// as -0.0 rather than +0.0, which no consumer distinguishes); the rewritten
// node's now-unused operands are left for dead-code elimination. Returns
// whether anything was rewritten.
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

bool simplify_algebra(Graph& g);

}  // namespace graphc::passes
