// Loop coalescing on the kernel IR: perfectly nested loops that walk memory
// as one run become one loop.
//
//   for a < E1: for b < E2: body      (E2 a constant, the inner loop the
//                                       whole body of the outer)
//   => for b < E1*E2: body[a*E2 + b := b]
//
// when every index in body uses a and b only in the ratio coeff(a) = E2 *
// coeff(b) (a row-major walk of the two axes, broadcasts with both
// coefficients 0 included), neither appears in any other expression (a
// loop_index, a guard), and the nest keeps its meaning: both loops
// sequential, or the inner one parallel or vectorised like the outer (a
// parallel outer loop around a sequential inner one is never merged, which
// would split the inner loop's iterations across threads). The iteration
// order is the same, so every sum keeps its order and its bits.
//
// Why: lowering builds one loop per axis, and the rows of small images are
// short (lenet: 28, 14, 10 elements). Coalesced, a 6x28x28 bias gradient
// sums one run of 784, and an elementwise nest over [C, 28, 28] vectorises
// over 784 instead of 28.
#pragma once

#include "codegen/kernel_ir.h"

namespace graphc::codegen {

void coalesce_loops(Kernel& kernel);

}  // namespace graphc::codegen
