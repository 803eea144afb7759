// Reverse-mode automatic differentiation: turns a forward graph into the
// joint training graph that computes the loss and every trainable
// parameter's gradient in one step.
//
// Assumes: `forward` verifies and has exactly one OutputRole::loss output, a
// floating-point scalar, and no gradient outputs yet (it was built in train
// mode by the frontend, or read from JSON).
// Guarantees: the result starts with a copy of every forward node (same ids),
// keeps the forward outputs (loss, logits, correct, batch-norm state) in
// order, and adds one OutputRole::gradient output per trainable parameter,
// named exactly as the parameter and of its type. Only values on a path from
// a trainable parameter to the loss are differentiated: frozen parameters and
// the values only they influence cost no backward node. Fan-out accumulates
// with add; the seed is 1, the loss being a scalar. A trainable parameter the
// loss does not depend on gets a zero gradient.
#pragma once

#include "ir/graph.h"

namespace graphc::passes {

Graph build_training_graph(const Graph& forward);

}  // namespace graphc::passes
