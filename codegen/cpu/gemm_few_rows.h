// A GEMM of a few rows (a linear layer at a small batch: lenet's fc layers
// at batch 4), computed without packing instead of by the packed GEMM
// (emit_gemm.cpp chooses, at run time). The packed GEMM copies B into
// panels on every call so that every row tile of A reuses them; with one
// row tile there is no reuse, the copy is the cost, and the single tile
// leaves the other threads idle. Both forms read B in place and split it
// into column blocks, one per unit.
//
// Against a transposed B (C[M, N] = alpha * A[M, K] @ B[N, K]^T + beta * C:
// a linear layer's forward, 4 x 400 against lenet's 120 x 400 weights, which
// the packed GEMM transposes whole) each output is a dot product of two rows
// that lie contiguously along k:
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
// not the packed GEMM's order, so such a row's rounding depends on whether
// its batch has at most kFewRows rows; either way a run repeats its bits.
//
// Against a plain B (C = alpha * op(A) @ B + beta * C with B's rows along N:
// a linear layer's input gradient, dy @ w) the packed GEMM's micro-kernel
// runs on B's rows as they lie, NB vectors of columns a unit, the rows of
// op(A) broadcast: the same fma chains over k ascending, cut at the same
// KC blocks and combined into C as the packed GEMM does, so the same bits.
#pragma once

#include <cstdint>

#include "codegen/kernel_ir.h"

namespace graphc::codegen::cpu {

class FunctionEmitter;

// The most rows the dot-product form runs for.
constexpr int64_t kFewRows = 4;

// Whether this Gemm may take one of the forms above when M is at most
// kFewRows: plain matrices (no window, batch and groups of one, no
// reduce_batch), N and K known; A as it is against a transposed B, or
// either A against a plain B.
bool few_rows_gemm_applies(DType t, const Gemm& g);

// Emits the Gemm (for which few_rows_gemm_applies) as above, for the M <=
// kFewRows the caller has checked at run time (M >= 1).
void emit_few_rows_gemm(FunctionEmitter& e, const Gemm& g);

}  // namespace graphc::codegen::cpu
