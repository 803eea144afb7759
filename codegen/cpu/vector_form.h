// What the vector special forms (direct_conv.h, window_weight_grad.h,
// gemm_few_rows.h) share: the emitter of the function they are emitted
// into, the Gemm's element type in registers, its vectors, and the IR
// idioms every one of them writes. The packed GEMM has its own
// (gemm_codegen.h), being one class over several files.
#pragma once

#include <vector>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"

namespace graphc::codegen::cpu {

class VectorForm {
 protected:
  // Vectors of `lanes` elements of C's type.
  VectorForm(FunctionEmitter& e, const Gemm& g, int64_t lanes)
      : e_(e), g_(g), lanes_(lanes) {
    const DType t = e.kernel().buffers[static_cast<size_t>(g.c)].dtype;
    t_ = e.register_type(t);
    vt_ = llvm::FixedVectorType::get(t_, static_cast<unsigned>(lanes));
    align_ = llvm::Align(dtype_size(t));
  }

  llvm::IRBuilder<>& b() { return e_.builder(); }
  llvm::Value* i64(int64_t v) { return b().getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* zero() { return llvm::Constant::getNullValue(vt_); }
  llvm::Value* at(llvm::Value* base, llvm::Value* index) { return b().CreateGEP(t_, base, index); }
  llvm::Value* min(llvm::Value* x, llvm::Value* y) { return b().CreateSelect(b().CreateICmpSLT(x, y), x, y); }
  llvm::Value* min(llvm::Value* x, int64_t y) { return min(x, i64(y)); }
  llvm::Value* fma(llvm::Value* x, llvm::Value* y, llvm::Value* acc) {
    return b().CreateIntrinsic(llvm::Intrinsic::fma, {vt_}, {x, y, acc});
  }

  // Sums in 16-lane partials (a chunk) on a target of narrower vectors run
  // one pass per vector of the chunk; pass v leaves output o's accumulator
  // in finished[o*vectors + v]. The slots are volatile: promoted to
  // registers, finished passes would stay live through the next pass and
  // the register allocator would spill inside its loops.
  void finish_pass(const std::vector<llvm::Value*>& acc, const std::vector<llvm::Value*>& finished, int64_t v,
                   int64_t vectors) {
    for (size_t o = 0; o < acc.size(); ++o)
      b().CreateStore(b().CreateLoad(vt_, acc[o]), finished[o * static_cast<size_t>(vectors) + static_cast<size_t>(v)],
                      /*isVolatile=*/true);
  }
  // Each output's ordered sum over its chunk's lanes (ordered_lane_sums):
  // lane o % lanes of the result o / lanes.
  std::vector<llvm::Value*> finished_sums(const std::vector<llvm::Value*>& finished, int64_t outputs, int64_t vectors) {
    std::vector<std::vector<llvm::Value*>> partials(static_cast<size_t>(outputs));
    for (int64_t o = 0; o < outputs; ++o)
      for (int64_t v = 0; v < vectors; ++v)
        partials[static_cast<size_t>(o)].push_back(
            b().CreateLoad(vt_, finished[static_cast<size_t>(o * vectors + v)], /*isVolatile=*/true));
    return ordered_lane_sums(b(), partials);
  }

  FunctionEmitter& e_;
  const Gemm& g_;
  const int64_t lanes_;
  llvm::Type* t_;
  llvm::VectorType* vt_;
  llvm::Align align_;
};

}  // namespace graphc::codegen::cpu
