// The Gemm special form on the CPU.
#include "codegen/cpu/function_emitter.h"

namespace graphc::codegen::cpu {

// C = alpha * op(A) @ op(B) + beta * C, loops in i-k-j order: the inner
// loop walks rows of B and C with unit stride, which LLVM vectorises, and
// every C element sums its k terms in ascending order (deterministic).
void FunctionEmitter::emit_gemm(const Gemm& g) {
  const DType t = kernel_.buffers[static_cast<size_t>(g.c)].dtype;
  llvm::Type* ft = register_type(t);
  GRAPHC_ASSERT(is_float(t), "gemm on ", dtype_name(t));
  llvm::Value *m = size(g.m), *ncols = size(g.n_cols), *k = size(g.k);
  llvm::Value *lda = size(g.lda), *ldb = size(g.ldb), *ldc = size(g.ldc);
  llvm::Value* alpha = llvm::ConstantFP::get(ft, g.alpha);
  llvm::Value* beta = llvm::ConstantFP::get(ft, g.beta);
  counted_loop(size(g.batch), "gemm.batch", [&](llvm::Value* bi) {
    llvm::Value* a0 = b_.CreateMul(bi, size(g.a_batch_stride));
    llvm::Value* b0 = b_.CreateMul(bi, size(g.b_batch_stride));
    llvm::Value* c0 = b_.CreateMul(bi, size(g.c_batch_stride));
    counted_loop(m, "gemm.i", [&](llvm::Value* i) {
      llvm::Value* c_row = b_.CreateAdd(c0, b_.CreateMul(i, ldc));
      counted_loop(ncols, "gemm.init", [&](llvm::Value* j) {
        llvm::Value* at = b_.CreateAdd(c_row, j);
        llvm::Value* init = g.beta == 0 ? llvm::ConstantFP::get(ft, 0.0) : b_.CreateFMul(beta, load(g.c, at));
        store(g.c, at, init);
      });
      counted_loop(k, "gemm.k", [&](llvm::Value* kk) {
        llvm::Value* a_at = g.transpose_a ? b_.CreateAdd(b_.CreateMul(kk, lda), i) : b_.CreateAdd(b_.CreateMul(i, lda), kk);
        llvm::Value* a = load(g.a, b_.CreateAdd(a0, a_at));
        if (g.alpha != 1) a = b_.CreateFMul(alpha, a);
        counted_loop(ncols, "gemm.j", [&](llvm::Value* j) {
          llvm::Value* b_at =
              g.transpose_b ? b_.CreateAdd(b_.CreateMul(j, ldb), kk) : b_.CreateAdd(b_.CreateMul(kk, ldb), j);
          llvm::Value* bv = load(g.b, b_.CreateAdd(b0, b_at));
          llvm::Value* at = b_.CreateAdd(c_row, j);
          store(g.c, at, b_.CreateFAdd(load(g.c, at), b_.CreateFMul(a, bv)));
        });
      });
    });
  });
}

}  // namespace graphc::codegen::cpu
