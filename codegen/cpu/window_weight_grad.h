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
//     for each lane chunk of the grid row, each sample n, each grid row gy:
//       xv[kx] = x[n, c, y(gy, ky), gx + kx*dilation - pad]   (KW masked loads)
//       for ob: d = dy[n, o0+ob, gy, gx];  for kx: acc[ob][kx] += d * xv[kx]
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

// Output channels per unit for this Gemm, or 0 when the direct form does
// not apply (not a window weight gradient, strided or divided along x, too
// many output channels, or rows much narrower than a chunk of 16 lanes).
// The same on every target, so that every target computes the same sums.
int64_t window_weight_grad_block(DType t, const Gemm& g);

// Emits the Gemm (for which window_weight_grad_block > 0) as above.
void emit_window_weight_grad(FunctionEmitter& e, const Gemm& g, int64_t block);

}  // namespace graphc::codegen::cpu
