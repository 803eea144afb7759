// A GEMM of a few rows against a transposed B, computed as dot products
// instead of by the packed GEMM (emit_gemm.cpp chooses, at run time).
//
// The Gemm is C[M, N] = alpha * A[M, K] @ B[N, K]^T + beta * C with M the
// batch: a linear layer's forward, y = x @ w^T. At a small batch (lenet's
// fc1 at batch 4: 4 x 400 against 120 x 400 weights) the packed GEMM
// transposes all of w into panels on every call, 48000 elements for 192k
// multiply-adds, and its one row tile leaves the second thread idle. Here
// each output is a dot product of two rows that lie contiguously along k,
// read in place:
//
//   unit (block of JB columns j0 .. j0+JB):
//     for each vector v of a 16-lane chunk (one on AVX-512, two on AVX2):
//       acc[i][jb] = 0                              (i < 4 rows, JB columns)
//       for each chunk of 16 along k:
//         a[i] = A[i, chunk + v*lanes ..]; w = B[j0 + jb, chunk + v*lanes ..]
//         acc[i][jb] += a[i] * w                    (lanes past K are zero)
//     C[i, j0 + jb] = alpha * ordered_sum(acc[i][jb]) (+ beta * C)   for i < M
//
// Bits: lane l of 16 sums the k = l (mod 16) in ascending order and the 16
// lanes are then added in ascending order (split_sum.cpp's order), on
// every target and for any thread count; a unit owns its outputs. That is
// not the packed GEMM's order, so a row's rounding depends on whether its
// batch has at most kFewRows rows; either way a run repeats its bits.
#pragma once

#include <cstdint>

#include "codegen/kernel_ir.h"

namespace graphc::codegen::cpu {

class FunctionEmitter;

// The most rows the dot-product form runs for.
constexpr int64_t kFewRows = 4;

// Whether this Gemm may take the dot-product form when M is at most
// kFewRows: A as it is and B transposed, plain matrices (no window, batch
// and groups of one, no reduce_batch), and N and K known.
bool few_rows_gemm_applies(DType t, const Gemm& g);

// Emits the Gemm (for which few_rows_gemm_applies) as above, for the M <=
// kFewRows the caller has checked at run time (M >= 1).
void emit_few_rows_gemm(FunctionEmitter& e, const Gemm& g);

}  // namespace graphc::codegen::cpu
