// A convolution's weight gradient with few output channels, computed
// directly instead of by the packed GEMM (emit_gemm.cpp chooses).
//
// The Gemm is dw[g][Og, Cg*KK] = sum_n dy[n,g][Og, P] @ V(x[n,g])^T: a
// reduce_batch Gemm whose B is a window read transposed. The packed GEMM
// gathers V^T (KK times the image) into panels and transposes them in
// registers; with M = Og small (lenet: 6 and 16) each gathered element then
// serves only Og multiply-adds, and packing costs more than the product.
// Directly, one row of the image serves every output channel and every
// column tap from registers:
//
//   unit (g, block of OB output channels, input channel c, tap row ky):
//     acc[ob][kx] = 0                            (OB*KW vectors, lanes along gx)
//     for each vector of a 16-lane chunk (one on AVX-512, two on AVX2):
//       for each lane chunk of the grid row, each sample n, each grid row gy:
//         d[ob] = dy[n, o0+ob, gy, gx]                        (OB masked loads)
//         for kx: xv = x[n, c, y(gy, ky), gx + kx*dilation - pad]
//                 for ob: acc[ob][kx] += d[ob] * xv
//     dw[o0+ob, c, ky, kx] = alpha * ordered_sum(acc[ob][kx]) (+ beta * dw)
//
// Determinism: lane l of 16 (two AVX2 registers, one AVX-512 register) sums
// the grid columns 16*chunk + l over (chunk, n, gy) in that order, then the
// 16 lanes are added in ascending order; a unit covers the whole batch and
// owns its outputs. So neither the thread count nor the target's vector
// width changes a bit.
#pragma once

#include <cstdint>

#include "codegen/kernel_ir.h"

namespace graphc::codegen::cpu {

class FunctionEmitter;
struct CpuTarget;

// Output channels per unit for this Gemm on `target`, or 0 when the direct
// form does not apply (not a window weight gradient, strided or divided
// along x, too many output channels, or rows much narrower than a chunk of
// 16 lanes). Whether it applies is the same on every target, so that every
// target computes the same sums; the block only groups channels.
int64_t window_weight_grad_block(const CpuTarget& target, DType t, const Gemm& g);

// Emits the Gemm (for which window_weight_grad_block > 0) as above.
void emit_window_weight_grad(FunctionEmitter& e, const Gemm& g, int64_t block);

}  // namespace graphc::codegen::cpu
