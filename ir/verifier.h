// The verifier is the IR's spec, run after every pass in tests and debug
// builds: operands defined before use, signatures as the op table says, every
// recorded type equal to what shape inference computes, unique names for
// inputs, parameters and outputs, and outputs that refer to real values.
#pragma once

#include "ir/graph.h"

namespace graphc {

// Throws graphc::Error naming the first offending node ("%12 = relu: ...").
void verify(const Graph& g);

}  // namespace graphc
