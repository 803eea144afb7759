// The two few-row GEMMs of gemm_few_rows.h.
#include "codegen/cpu/gemm_few_rows.h"

#include <algorithm>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"
#include "codegen/cpu/gemm_codegen.h"
#include "codegen/cpu/vector_form.h"

namespace graphc::codegen::cpu {

namespace {

// Lanes of the partial sums whatever the target's vectors, so that every
// target adds the same numbers in the same order (as split_sum.cpp).
constexpr int64_t kChunk = 16;

GemmBlocking blocking(FunctionEmitter& e, const Gemm& g) {
  return choose_gemm_blocking(e.target(), e.kernel().buffers[static_cast<size_t>(g.c)].dtype, g);
}

// C = alpha * A @ B^T + beta * C as dot products (gemm_few_rows.h).
class FewRowsDot : VectorForm {
 public:
  FewRowsDot(FunctionEmitter& e, const Gemm& g)
      : VectorForm(e, g, blocking(e, g).lanes), vectors_(kChunk / lanes_),
        // Registers: kFewRows*JB accumulators, the rows' kFewRows A vectors and one of B.
        columns_(std::max<int64_t>(1, (blocking(e, g).registers - kFewRows - 1) / kFewRows)) {
    GRAPHC_ASSERT(kChunk % lanes_ == 0, "vectors of ", lanes_, " lanes do not tile a chunk");
  }

  int64_t units() const { return (g_.n_cols.constant + columns_ - 1) / columns_; }
  int64_t work_per_unit() const { return g_.k.constant * kFewRows * columns_; }

  void emit_units(llvm::Value* begin, llvm::Value* end) {
    const int64_t outputs = kFewRows * columns_;
    std::vector<llvm::Value*> acc, finished;  // acc[i*JB + jb]; finished[(i*JB + jb)*vectors + v]
    for (int64_t o = 0; o < outputs; ++o) acc.push_back(entry_alloca(b(), vt_));
    for (int64_t o = 0; o < outputs * vectors_; ++o) finished.push_back(entry_alloca(b(), vt_));
    llvm::Value* m = e_.size(g_.m);
    e_.counted_loop(end, "fewrows.unit", [&](llvm::Value* unit) {
      llvm::Value* j0 = b().CreateMul(unit, i64(columns_));
      // Rows past M read row M-1, columns past N column N-1 (both there); their sums are dropped.
      std::vector<llvm::Value*> a_rows, b_rows;
      for (int64_t i = 0; i < kFewRows; ++i)
        a_rows.push_back(at(e_.buffer_pointer(g_.a), b().CreateMul(min(i64(i), b().CreateSub(m, i64(1))), e_.size(g_.lda))));
      for (int64_t jb = 0; jb < columns_; ++jb)
        b_rows.push_back(at(e_.buffer_pointer(g_.b),
                            b().CreateMul(min(b().CreateAdd(j0, i64(jb)), i64(g_.n_cols.constant - 1)), e_.size(g_.ldb))));
      // One pass per vector of the chunk (VectorForm::finish_pass).
      for (int64_t v = 0; v < vectors_; ++v) {
        for (llvm::Value* a : acc) b().CreateStore(zero(), a);
        accumulate(a_rows, b_rows, v, acc);
        finish_pass(acc, finished, v, vectors_);
      }
      store(m, j0, finished);
    }, begin);
  }

 private:
  // One chunk's vector v (at k), lanes l < valid of it when valid < lanes.
  void step(const std::vector<llvm::Value*>& a_rows, const std::vector<llvm::Value*>& b_rows, llvm::Value* k,
            int64_t valid, const std::vector<llvm::Value*>& acc) {
    llvm::Value* mask = nullptr;
    if (valid < lanes_) {
      std::vector<llvm::Constant*> bits;
      for (int64_t l = 0; l < lanes_; ++l) bits.push_back(b().getInt1(l < valid));
      mask = llvm::ConstantVector::get(bits);
    }
    auto load = [&](llvm::Value* row) -> llvm::Value* {
      llvm::Value* ptr = at(row, k);
      if (mask) return b().CreateMaskedLoad(vt_, ptr, align_, mask, zero());
      return b().CreateAlignedLoad(vt_, ptr, align_);
    };
    std::vector<llvm::Value*> a;
    for (llvm::Value* row : a_rows) a.push_back(load(row));
    for (int64_t jb = 0; jb < columns_; ++jb) {
      llvm::Value* w = load(b_rows[static_cast<size_t>(jb)]);
      for (int64_t i = 0; i < kFewRows; ++i) {
        llvm::Value* slot = acc[static_cast<size_t>(i * columns_ + jb)];
        b().CreateStore(fma(a[static_cast<size_t>(i)], w, b().CreateLoad(vt_, slot)), slot);
      }
    }
  }

  void accumulate(const std::vector<llvm::Value*>& a_rows, const std::vector<llvm::Value*>& b_rows, int64_t v,
                  const std::vector<llvm::Value*>& acc) {
    const int64_t k = g_.k.constant, whole = k / kChunk;
    e_.counted_loop(i64(whole), "fewrows.chunk", [&](llvm::Value* chunk) {
      step(a_rows, b_rows, b().CreateAdd(b().CreateMul(chunk, i64(kChunk)), i64(v * lanes_)), lanes_, acc);
    });
    const int64_t valid = k - whole * kChunk - v * lanes_;  // of this vector in the last, partial chunk
    if (valid > 0) step(a_rows, b_rows, i64(whole * kChunk + v * lanes_), std::min(valid, lanes_), acc);
  }

  // C[i, j0 + jb] for i < M and j0 + jb < N.
  void store(llvm::Value* m, llvm::Value* j0, const std::vector<llvm::Value*>& finished) {
    const int64_t outputs = kFewRows * columns_;
    const std::vector<llvm::Value*> sums = finished_sums(finished, outputs, vectors_);
    llvm::Value* c = e_.buffer_pointer(g_.c);
    llvm::Value* ldc = e_.size(g_.ldc);
    for (int64_t i = 0; i < kFewRows; ++i)
      emit_if_then(b(), b().CreateICmpSLT(i64(i), m), "fewrows.row", [&] {
        for (int64_t jb = 0; jb < columns_; ++jb) {
          llvm::Value* j = b().CreateAdd(j0, i64(jb));
          emit_if_then(b(), b().CreateICmpSLT(j, i64(g_.n_cols.constant)), "fewrows.column", [&] {
            const int64_t o = i * columns_ + jb;
            llvm::Value* sum = b().CreateExtractElement(sums[static_cast<size_t>(o / lanes_)], static_cast<uint64_t>(o % lanes_));
            sum = b().CreateFMul(llvm::ConstantFP::get(t_, g_.alpha), sum);
            llvm::Value* ptr = at(c, b().CreateAdd(b().CreateMul(i64(i), ldc), j));
            if (g_.beta != 0)
              sum = b().CreateFAdd(sum, b().CreateFMul(llvm::ConstantFP::get(t_, g_.beta), b().CreateLoad(t_, ptr)));
            b().CreateStore(sum, ptr);
          });
        }
      });
  }

  const int64_t vectors_, columns_;  // registers per chunk; columns per unit
};

// C = alpha * op(A) @ B + beta * C with B's rows read in place (gemm_few_rows.h).
class FewRowsInPlace : VectorForm {
 public:
  FewRowsInPlace(FunctionEmitter& e, const Gemm& g)
      : VectorForm(e, g, blocking(e, g).lanes), kc_(blocking(e, g).kc),
        // Registers: kFewRows*NB accumulators, NB vectors of B and one broadcast.
        vectors_(std::max<int64_t>(1, (blocking(e, g).registers - 2) / (kFewRows + 1))) {}

  int64_t columns() const { return vectors_ * lanes_; }
  int64_t units() const { return (g_.n_cols.constant + columns() - 1) / columns(); }
  int64_t work_per_unit() const { return g_.k.constant * kFewRows * columns(); }

  void emit_units(llvm::Value* begin, llvm::Value* end) {
    std::vector<llvm::Value*> acc;  // acc[i*NB + nb]
    for (int64_t o = 0; o < kFewRows * vectors_; ++o) acc.push_back(entry_alloca(b(), vt_));
    llvm::Value* m = e_.size(g_.m);
    const int64_t k = g_.k.constant, n = g_.n_cols.constant;
    const int64_t k_blocks = std::max<int64_t>(1, (k + kc_ - 1) / kc_);  // one even when K is 0: C = beta * C
    e_.counted_loop(end, "fewrows.unit", [&](llvm::Value* unit) {
      llvm::Value* j0 = b().CreateMul(unit, i64(columns()));
      // Columns left from each vector on (a vector's lanes past N are not read).
      std::vector<llvm::Value*> left;
      for (int64_t nb = 0; nb < vectors_; ++nb) left.push_back(b().CreateSub(i64(n), b().CreateAdd(j0, i64(nb * lanes_))));
      llvm::Value* whole = b().CreateICmpSGE(left.back(), i64(lanes_));
      e_.counted_loop(i64(k_blocks), "fewrows.kblock", [&](llvm::Value* kb) {
        llvm::Value* pc = b().CreateMul(kb, i64(kc_));
        llvm::Value* kc = min(i64(kc_), b().CreateSub(i64(k), pc));
        for (llvm::Value* a : acc) b().CreateStore(zero(), a);
        emit_if_then_else(b(), whole, "fewrows.whole", [&] { chain(m, j0, pc, kc, {}, acc); },
                          [&] { chain(m, j0, pc, kc, left, acc); });
        update_c(m, j0, left, b().CreateICmpEQ(kb, i64(0)), acc);
      });
    }, begin);
  }

 private:
  llvm::Value* lanes_below(llvm::Value* count) {
    std::vector<llvm::Constant*> ids;
    for (int64_t l = 0; l < lanes_; ++l) ids.push_back(b().getInt64(static_cast<uint64_t>(l)));
    return b().CreateICmpSLT(llvm::ConstantVector::get(ids), b().CreateVectorSplat(static_cast<unsigned>(lanes_), count));
  }

  // The micro-kernel's chain over k in [pc, pc + kc), ascending: acc[i][nb] +=
  // op(A)[i, k] * B[k, j0 + nb*lanes ..]; with `left`, only B's lanes before N.
  void chain(llvm::Value* m, llvm::Value* j0, llvm::Value* pc, llvm::Value* kc, const std::vector<llvm::Value*>& left,
             const std::vector<llvm::Value*>& acc) {
    std::vector<llvm::Value*> masks;
    for (llvm::Value* l : left) masks.push_back(lanes_below(l));
    llvm::Value* last_row = b().CreateSub(m, i64(1));
    e_.counted_loop(kc, "fewrows.k", [&](llvm::Value* kk) {
      llvm::Value* k = b().CreateAdd(pc, kk);
      llvm::Value* b_row = at(e_.buffer_pointer(g_.b), b().CreateAdd(b().CreateMul(k, e_.size(g_.ldb)), j0));
      std::vector<llvm::Value*> bv;
      for (int64_t nb = 0; nb < vectors_; ++nb) {
        llvm::Value* ptr = at(b_row, i64(nb * lanes_));
        bv.push_back(masks.empty() ? static_cast<llvm::Value*>(b().CreateAlignedLoad(vt_, ptr, align_))
                                   : b().CreateMaskedLoad(vt_, ptr, align_, masks[static_cast<size_t>(nb)], zero()));
      }
      for (int64_t i = 0; i < kFewRows; ++i) {
        // Rows past M read row M-1 (always there); they are not stored.
        llvm::Value* row = min(i64(i), last_row);
        llvm::Value* index = g_.transpose_a ? b().CreateAdd(b().CreateMul(k, e_.size(g_.lda)), row)
                                            : b().CreateAdd(b().CreateMul(row, e_.size(g_.lda)), k);
        llvm::Value* a = b().CreateAlignedLoad(t_, at(e_.buffer_pointer(g_.a), index), align_);
        llvm::Value* splat = b().CreateVectorSplat(static_cast<unsigned>(lanes_), a);
        for (int64_t nb = 0; nb < vectors_; ++nb) {
          llvm::Value* slot = acc[static_cast<size_t>(i * vectors_ + nb)];
          b().CreateStore(fma(splat, bv[static_cast<size_t>(nb)], b().CreateLoad(vt_, slot)), slot);
        }
      }
    });
  }

  // As the packed GEMM's C update (gemm_micro_kernel.cpp): the first KC
  // block C = alpha*acc + beta*C (C unread when beta is 0), later ones C =
  // C + alpha*acc; rows below M, a vector crossing N masked.
  void update_c(llvm::Value* m, llvm::Value* j0, const std::vector<llvm::Value*>& left, llvm::Value* first,
                const std::vector<llvm::Value*>& acc) {
    const unsigned lanes = static_cast<unsigned>(lanes_);
    auto update = [&](llvm::Value* ptr, llvm::Value* slot, llvm::Value* mask, bool is_first) {
      llvm::Value* value = b().CreateLoad(vt_, slot);
      if (g_.alpha != 1) value = b().CreateFMul(b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.alpha)), value);
      if (!(is_first && g_.beta == 0)) {
        llvm::Value* old = mask ? static_cast<llvm::Value*>(b().CreateMaskedLoad(vt_, ptr, align_, mask, zero()))
                                : b().CreateAlignedLoad(vt_, ptr, align_);
        llvm::Value* beta = b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.beta));
        value = !is_first ? b().CreateFAdd(old, value) : b().CreateFAdd(value, g_.beta == 1 ? old : b().CreateFMul(beta, old));
      }
      if (mask)
        b().CreateMaskedStore(value, ptr, align_, mask);
      else
        b().CreateAlignedStore(value, ptr, align_);
    };
    auto rows = [&](bool is_first) {
      for (int64_t i = 0; i < kFewRows; ++i)
        emit_if_then(b(), b().CreateICmpSLT(i64(i), m), "fewrows.row", [&] {
          llvm::Value* row = at(e_.buffer_pointer(g_.c), b().CreateAdd(b().CreateMul(i64(i), e_.size(g_.ldc)), j0));
          for (int64_t nb = 0; nb < vectors_; ++nb) {
            llvm::Value* ptr = at(row, i64(nb * lanes_));
            llvm::Value* slot = acc[static_cast<size_t>(i * vectors_ + nb)];
            llvm::Value* l = left[static_cast<size_t>(nb)];
            emit_if_then_else(b(), b().CreateICmpSGE(l, i64(lanes_)), "fewrows.whole_vector",
                              [&] { update(ptr, slot, nullptr, is_first); },
                              [&] {
                                emit_if_then(b(), b().CreateICmpSGT(l, i64(0)), "fewrows.part_vector",
                                             [&] { update(ptr, slot, lanes_below(l), is_first); });
                              });
          }
        });
    };
    emit_if_then_else(b(), first, "fewrows.first", [&] { rows(true); }, [&] { rows(false); });
  }

  const int64_t kc_, vectors_;  // the packed GEMM's KC; vectors of columns per unit
};

}  // namespace

bool few_rows_gemm_applies(DType t, const Gemm& g) {
  if (t != DType::f32 && t != DType::f64) return false;
  if (g.reduce_batch || g.has_b_window || (g.transpose_a && g.transpose_b)) return false;
  if (!(g.batch == SizeExpr(1)) || g.groups != 1) return false;
  if (!g.n_cols.is_constant() || !g.k.is_constant() || g.n_cols.constant < 1) return false;
  return !g.m.is_constant() || g.m.constant <= kFewRows;
}

namespace {

template <typename Form>
void emit_form(FunctionEmitter& e, const Gemm& g) {
  Form here(e, g);
  e.parallel(e.builder().getInt64(static_cast<uint64_t>(here.units())),
             e.builder().getInt64(static_cast<uint64_t>(here.work_per_unit())),
             [&](FunctionEmitter& task, llvm::Value* begin, llvm::Value* end) { Form(task, g).emit_units(begin, end); });
}

}  // namespace

void emit_few_rows_gemm(FunctionEmitter& e, const Gemm& g) {
  if (g.transpose_b) return emit_form<FewRowsDot>(e, g);
  emit_form<FewRowsInPlace>(e, g);
}

}  // namespace graphc::codegen::cpu
