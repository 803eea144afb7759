// A convolution with few output channels, computed directly instead of by
// the packed GEMM (emit_gemm.cpp chooses).
//
// The Gemm is y[n,g][Og, P] = w[g][Og, Cg*KK] @ V(x[n,g])[Cg*KK, P] whose B
// is a window read as it is (conv2d's forward). The packed GEMM gathers V
// (KK times the image, through masked loads per tap) into panels; with M =
// Og small (lenet: 6 and 16) each gathered element then serves only Og
// multiply-adds, and gathering costs more than the product. Directly, one
// image vector serves every output channel of a block, and one broadcast
// weight every grid vector of a block:
//
//   unit (n, g, block of OB output channels, band of grid rows):
//     for each group of R vectors of the band (grid_layout.h; unrolled):
//       acc[ob][r] = 0                                    (OB*R vectors)
//       for c, ky ascending, kx unrolled (k = (c*KH + ky)*KW + kx):
//         xv[r] = the image under vector r at tap (c, ky, kx)   (a load per row it spans)
//         for ob: wk = w[o0+ob, k]; for r: acc[ob][r] = fma(wk, xv[r], acc[ob][r])
//       y[n, o0+ob, vector r] = alpha * acc[ob][r] (+ beta * y)
//
// Bits: every output is the fma chain over k ascending from 0, then alpha
// and beta as the packed GEMM's C update applies them; with K within one KC
// block that is exactly the packed GEMM's sum (the padding taps included:
// they multiply a zero). So the choice between the two, the blocks, the
// target's vector width and the thread count change no bit; a unit owns its
// outputs.
#pragma once

#include <cstdint>

#include "codegen/cpu/grid_layout.h"
#include "codegen/cpu/llvm_module.h"
#include "codegen/kernel_ir.h"

namespace graphc::codegen::cpu {

class FunctionEmitter;

struct DirectConvBlocking {
  int64_t channels = 0;  // OB: output channels per unit; 0: the direct form does not apply
  int64_t vectors = 0;   // R: vectors of the grid sharing each broadcast weight
  int64_t lanes = 0;     // grid positions per vector
  GridLayout layout;     // the grid in vectors of `lanes`
};

// The blocks for this Gemm on `target`, or channels = 0 when the direct form
// does not apply: not a forward window (a transposed or strided-along-x
// one), too many output channels, a contraction longer than one KC block,
// or rows much narrower than a vector.
DirectConvBlocking direct_conv_blocking(const CpuTarget& target, DType t, const Gemm& g);

// Emits the Gemm (for which direct_conv_blocking gave channels > 0) as above.
void emit_direct_conv(FunctionEmitter& e, const Gemm& g, const DirectConvBlocking& blocking);

}  // namespace graphc::codegen::cpu
