// The GEMM micro-kernel: an MR x NR tile of C in MR * NV vector registers,
// one fma per register and k (a broadcast of A times a vector of B), k
// ascending; then the tile is combined into C. Edge tiles run the same
// kernel on zero-padded panels and only their C update is masked.
#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/gemm_codegen.h"

namespace graphc::codegen::cpu {

void GemmEmitter::micro_kernel(llvm::Value* ap, llvm::Value* bp, llvm::Value* kc) {
  // The accumulators are stack slots that mem2reg turns into registers.
  for (llvm::Value* slot : acc_) b().CreateStore(zero_vector(), slot);
  const llvm::Align vector_align(static_cast<uint64_t>(bk_.lanes * elem_bytes_));
  const llvm::Align scalar_align(static_cast<uint64_t>(elem_bytes_));
  loop(i64(0), kc, "gemm.k", [&](llvm::Value* k) {
    llvm::Value* b_row = at(bp, b().CreateMul(k, i64(bk_.nr())));
    llvm::Value* a_col = at(ap, b().CreateMul(k, i64(bk_.mr)));
    std::vector<llvm::Value*> b_vectors;
    for (int64_t v = 0; v < bk_.nv; ++v)
      b_vectors.push_back(b().CreateAlignedLoad(vt_, at(b_row, i64(v * bk_.lanes)), vector_align));
    for (int64_t i = 0; i < bk_.mr; ++i) {
      llvm::Value* a = b().CreateAlignedLoad(t_, at(a_col, i64(i)), scalar_align);
      llvm::Value* a_splat = b().CreateVectorSplat(static_cast<unsigned>(bk_.lanes), a);
      for (int64_t v = 0; v < bk_.nv; ++v) {
        llvm::Value* slot = acc_[static_cast<size_t>(i * bk_.nv + v)];
        llvm::Value* acc = b().CreateLoad(vt_, slot);
        b().CreateStore(b().CreateIntrinsic(llvm::Intrinsic::fma, {vt_}, {a_splat, b_vectors[static_cast<size_t>(v)], acc}),
                        slot);
      }
    }
  });
}

// A large C does not stay in cache between its KC blocks (2048 x 2048 is
// 16 MiB): without this, each tile's update waited on its rows' lines, and
// sgemm 2048 ran at 0.78 of OpenBLAS on a Xeon with AVX-512. The kernel's
// kc steps give the lines time to arrive. Rows past m_rem ask for the
// last row's lines again, so nothing outside C is touched.
void GemmEmitter::prefetch_c_tile(llvm::Value* c_at, llvm::Value* m_rem) {
  llvm::Value* c = e_.buffer_pointer(g_.c);
  llvm::Value* last_row = b().CreateSub(m_rem, i64(1));
  for (int64_t i = 0; i < bk_.mr; ++i) {
    llvm::Value* row = b().CreateAdd(c_at, b().CreateMul(min(i64(i), last_row), ldc_));
    for (int64_t v = 0; v <= bk_.nv; ++v) {
      const int64_t col = v < bk_.nv ? v * bk_.lanes : bk_.nr() - 1;  // each vector's start, the row's end
      prefetch(at(c, b().CreateAdd(row, i64(col))), /*for_write=*/true);
    }
  }
}

void GemmEmitter::update_c(llvm::Value* c_at, llvm::Value* m_rem, llvm::Value* n_rem, llvm::Value* first) {
  llvm::Value* full = b().CreateAnd(b().CreateICmpEQ(m_rem, i64(bk_.mr)), b().CreateICmpEQ(n_rem, i64(bk_.nr())));
  auto rows = [&](bool is_first) {
    emit_if_then_else(
        b(), full, "gemm.full", [&] { update_c_rows(c_at, m_rem, n_rem, is_first, true); },
        [&] { update_c_rows(c_at, m_rem, n_rem, is_first, false); });
  };
  emit_if_then_else(b(), first, "gemm.first", [&] { rows(true); }, [&] { rows(false); });
}

// first: C = alpha*acc + beta*C (C unread when beta is 0: it may hold
// anything); later KC blocks: C = C + alpha*acc. An edge tile skips its rows
// past M and masks only the vectors that cross N: AVX2's masked store costs
// many times a plain one.
void GemmEmitter::update_c_rows(llvm::Value* c_at, llvm::Value* m_rem, llvm::Value* n_rem, bool first, bool full) {
  llvm::Value* c = e_.buffer_pointer(g_.c);
  const llvm::Align align(static_cast<uint64_t>(elem_bytes_));
  const unsigned lanes = static_cast<unsigned>(bk_.lanes);
  llvm::Value* alpha = b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.alpha));
  llvm::Value* beta = b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.beta));
  // C[ptr] from accumulator `slot`, through `mask` (nullptr: the whole vector).
  auto update = [&](llvm::Value* ptr, llvm::Value* slot, llvm::Value* mask) {
    llvm::Value* value = b().CreateLoad(vt_, slot);
    if (g_.alpha != 1) value = b().CreateFMul(alpha, value);
    if (!(first && g_.beta == 0)) {
      llvm::Value* old = mask ? static_cast<llvm::Value*>(b().CreateMaskedLoad(vt_, ptr, align, mask, zero_vector()))
                              : b().CreateAlignedLoad(vt_, ptr, align);
      if (!first)
        value = b().CreateFAdd(old, value);
      else
        value = b().CreateFAdd(value, g_.beta == 1 ? old : b().CreateFMul(beta, old));
    }
    if (mask)
      b().CreateMaskedStore(value, ptr, align, mask);
    else
      b().CreateAlignedStore(value, ptr, align);
  };
  for (int64_t i = 0; i < bk_.mr; ++i) {
    llvm::Value* row = b().CreateAdd(c_at, b().CreateMul(i64(i), ldc_));
    auto vectors = [&] {
      for (int64_t v = 0; v < bk_.nv; ++v) {
        llvm::Value* ptr = at(c, b().CreateAdd(row, i64(v * bk_.lanes)));
        llvm::Value* slot = acc_[static_cast<size_t>(i * bk_.nv + v)];
        if (full) {
          update(ptr, slot, nullptr);
          continue;
        }
        llvm::Value* left = b().CreateSub(n_rem, i64(v * bk_.lanes));
        emit_if_then_else(
            b(), b().CreateICmpSGE(left, i64(bk_.lanes)), "gemm.whole_vector", [&] { update(ptr, slot, nullptr); },
            [&] {
              emit_if_then(b(), b().CreateICmpSGT(left, i64(0)), "gemm.part_vector",
                           [&] { update(ptr, slot, lane_mask(left)); });
            });
      }
    };
    if (full)
      vectors();
    else
      emit_if_then(b(), b().CreateICmpSLT(i64(i), m_rem), "gemm.row", vectors);
  }
}

}  // namespace graphc::codegen::cpu
