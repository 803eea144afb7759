// The Gemm special form on the CPU: the driver of the packed GEMM (see
// gemm_codegen.h for the algorithm and its determinism argument).
//
// Convolutions with few output channels go to direct forms instead: the
// forward to direct_conv.h, the weight gradient to window_weight_grad.h; a
// linear layer's forward at a batch of at most 4 to gemm_few_rows.h.
//
// Work units: the thread pool splits [0, units) where a unit is one MC x NC
// block of C for one group and one chunk of the batch (with reduce_batch,
// whose C is shared by the samples: one run of the samples, all of them
// unless the Gemm has reduce_runs). A unit packs its own panels on its
// task's stack, so tasks share nothing but the buffers.
//
// A Gemm in runs (a weight gradient: C is small, the batch long) computes
// each run's partial product into the partials scratch as a Gemm of its own,
// C blocks as large as the caches allow, then adds the partials in run
// order. Splitting C into small blocks instead, to give every thread some,
// would pack each operand once per block: conv2's weight gradient (C = 64 x
// 288) packed its dy six times.
#include "codegen/cpu/direct_conv.h"
#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/gemm_codegen.h"
#include "codegen/cpu/gemm_few_rows.h"
#include "codegen/cpu/window_weight_grad.h"

namespace graphc::codegen::cpu {

namespace {

// The Gemm of every run's partial product: run r's C at r * groups*M*N of the
// partials, rows of N, alpha 1 and beta 0 (the run sum applies them).
Gemm partial_products(const Gemm& g) {
  GRAPHC_ASSERT(g.reduce_batch && g.partials >= 0 && g.m.is_constant() && g.n_cols.is_constant(),
                "a Gemm in runs needs reduce_batch, partials and constant m and n");
  Gemm runs = g;
  runs.c = g.partials;
  runs.alpha = 1, runs.beta = 0;
  runs.ldc = g.n_cols;
  runs.c_group_stride = g.m * g.n_cols;
  runs.c_batch_stride = g.m * g.n_cols * SizeExpr(g.groups);
  return runs;
}

}  // namespace

void FunctionEmitter::emit_gemm(const Gemm& g) {
  const DType t = kernel_.buffers[static_cast<size_t>(g.c)].dtype;
  if (const int64_t block = window_weight_grad_block(target_, t, g); block > 0)
    return emit_window_weight_grad(*this, g, block);
  if (const DirectConvBlocking direct = direct_conv_blocking(target_, t, g); direct.channels > 0)
    return emit_direct_conv(*this, g, direct);
  if (g.reduce_batch && g.reduce_runs > 1) {
    const Gemm runs = partial_products(g);
    const GemmBlocking blocking = choose_gemm_blocking(target_, t, runs);
    GemmEmitter here(*this, runs, blocking);
    parallel(here.unit_count(), here.work_per_unit(), [&](FunctionEmitter& e, llvm::Value* begin, llvm::Value* end) {
      GemmEmitter(e, runs, blocking).emit_units(begin, end);
    });
    GemmEmitter sum(*this, g, blocking);
    parallel(sum.run_sum_rows(), sum.run_sum_work_per_row(),
             [&](FunctionEmitter& e, llvm::Value* begin, llvm::Value* end) {
               GemmEmitter(e, g, blocking).emit_run_sum(begin, end);
             });
    return;
  }
  auto emit_packed = [&] {
    auto packed = [&](const GemmBlocking& blocking) {
      GemmEmitter here(*this, g, blocking);
      parallel(here.unit_count(), here.work_per_unit(), [&](FunctionEmitter& e, llvm::Value* begin, llvm::Value* end) {
        GemmEmitter(e, g, blocking).emit_units(begin, end);
      });
    };
    // M the batch (a linear layer): tiles for a few rows too, picked at run
    // time, so that lenet's batch of 4 does not run 14-row tiles. Only KC
    // fixes the sums, so the choice changes no bit.
    std::vector<GemmBlocking> tiles = {choose_gemm_blocking(target_, t, g)};
    if (!g.m.is_constant())
      for (int64_t batch : {8, 4}) {
        const GemmBlocking few = choose_gemm_blocking(target_, t, g, batch);
        if (few.mr < tiles.back().mr) tiles.push_back(few);
      }
    std::function<void(size_t)> emit_from = [&](size_t i) {
      if (i + 1 == tiles.size()) return packed(tiles[i]);
      emit_if_then_else(b_, b_.CreateICmpSGT(size(g.m), b_.getInt64(static_cast<uint64_t>(tiles[i + 1].mr))),
                        "gemm.rows", [&] { packed(tiles[i]); }, [&] { emit_from(i + 1); });
    };
    emit_from(0);
  };
  if (!few_rows_gemm_applies(t, g)) return emit_packed();
  // M - 1 < kFewRows, unsigned: M in [1, kFewRows].
  llvm::Value* few = b_.CreateICmpULT(b_.CreateSub(size(g.m), b_.getInt64(1)), b_.getInt64(kFewRows));
  emit_if_then_else(b_, few, "gemm.few_rows", [&] { emit_few_rows_gemm(*this, g); }, emit_packed);
}

GemmEmitter::GemmEmitter(FunctionEmitter& e, const Gemm& g, const GemmBlocking& blocking)
    : e_(e), g_(g), bk_(blocking) {
  const DType t = e.kernel().buffers[static_cast<size_t>(g.c)].dtype;
  for (BufferId operand : {g.a, g.b})
    GRAPHC_ASSERT(e.kernel().buffers[static_cast<size_t>(operand)].dtype == t, "gemm operands of mixed types");
  t_ = e.register_type(t);
  vt_ = llvm::FixedVectorType::get(t_, static_cast<unsigned>(bk_.lanes));
  elem_bytes_ = static_cast<int64_t>(dtype_size(t));
  m_ = e.size(g.m), n_ = e.size(g.n_cols), k_ = e.size(g.k), batch_ = e.size(g.batch);
  lda_ = e.size(g.lda), ldb_ = e.size(g.ldb), ldc_ = e.size(g.ldc);
  a_bs_ = e.size(g.a_batch_stride), b_bs_ = e.size(g.b_batch_stride), c_bs_ = e.size(g.c_batch_stride);
  a_gs_ = e.size(g.a_group_stride), b_gs_ = e.size(g.b_group_stride), c_gs_ = e.size(g.c_group_stride);
  tiles_m_ = ceil_div(m_, bk_.mc);
  tiles_n_ = ceil_div(n_, bk_.nc);
  batch_units_ = g.reduce_batch ? i64(g.reduce_runs) : ceil_div(batch_, bk_.batch_chunk);
  run_length_ = ceil_div(batch_, g.reduce_runs);
}

llvm::Value* GemmEmitter::unit_count() {
  return b().CreateMul(b().CreateMul(batch_units_, i64(g_.groups)), b().CreateMul(tiles_m_, tiles_n_));
}

llvm::Value* GemmEmitter::work_per_unit() {
  llvm::Value* samples = g_.reduce_batch ? run_length_ : min(batch_, i64(bk_.batch_chunk));
  llvm::Value* tile = b().CreateMul(min(m_, i64(bk_.mc)), min(n_, i64(bk_.nc)));
  return b().CreateMul(b().CreateMul(tile, max(k_, i64(1))), samples);
}

void GemmEmitter::emit_units(llvm::Value* begin, llvm::Value* end) {
  // Packed blocks plus the slack packing may write past the last panel: up
  // to lanes-1 rows past kc (pack_transposed) and a vector past a row.
  ap_ = entry_alloca(b(), t_, bk_.mc * bk_.kc + bk_.lanes * (bk_.mr + 1));
  bp_ = entry_alloca(b(), t_, bk_.kc * bk_.nc + bk_.lanes * (bk_.nr() + 1));
  acc_.clear();
  for (int64_t i = 0; i < bk_.mr * bk_.nv; ++i) acc_.push_back(entry_alloca(b(), vt_));

  const bool reduce = g_.reduce_batch;
  const bool a_shared = reduce || g_.a_batch_stride.is_zero();  // packed once for all samples of a unit
  const bool b_shared = reduce || g_.b_batch_stride.is_zero();
  loop(begin, end, "gemm.unit", [&](llvm::Value* unit) {
    llvm::Value* tn = b().CreateURem(unit, tiles_n_);
    llvm::Value* rest = b().CreateUDiv(unit, tiles_n_);
    llvm::Value* tm = b().CreateURem(rest, tiles_m_);
    rest = b().CreateUDiv(rest, tiles_m_);
    llvm::Value* group = b().CreateURem(rest, i64(g_.groups));
    llvm::Value* batch_unit = b().CreateUDiv(rest, i64(g_.groups));
    llvm::Value* i0 = b().CreateMul(tm, i64(bk_.mc));
    llvm::Value* mc = min(i64(bk_.mc), b().CreateSub(m_, i0));
    llvm::Value* j0 = b().CreateMul(tn, i64(bk_.nc));
    llvm::Value* nc = min(i64(bk_.nc), b().CreateSub(n_, j0));
    // One block even when K (or the run) is empty, so that C = beta * C.
    llvm::Value* k_blocks_per_sample = max(i64(1), ceil_div(k_, bk_.kc));
    // reduce_batch: the unit's run of samples [run_begin, run_begin + run_samples).
    llvm::Value* run_begin = b().CreateMul(batch_unit, run_length_);
    llvm::Value* run_samples = max(i64(0), min(run_length_, b().CreateSub(batch_, run_begin)));
    llvm::Value* k_blocks =
        reduce ? max(i64(1), b().CreateMul(run_samples, k_blocks_per_sample)) : k_blocks_per_sample;
    llvm::Value* s_begin = reduce ? i64(0) : b().CreateMul(batch_unit, i64(bk_.batch_chunk));
    llvm::Value* s_end = reduce ? i64(1) : min(batch_, b().CreateAdd(s_begin, i64(bk_.batch_chunk)));
    loop(i64(0), k_blocks, "gemm.kblock", [&](llvm::Value* kb) {
      llvm::Value* run_sample = b().CreateUDiv(kb, k_blocks_per_sample);
      llvm::Value* reduced_sample = reduce ? b().CreateAdd(run_begin, run_sample) : i64(0);
      llvm::Value* pc = b().CreateMul(b().CreateURem(kb, k_blocks_per_sample), i64(bk_.kc));
      llvm::Value* kc = min(i64(bk_.kc), b().CreateSub(k_, pc));
      if (reduce) kc = b().CreateSelect(b().CreateICmpSLT(run_sample, run_samples), kc, i64(0));
      llvm::Value* first = b().CreateICmpEQ(kb, i64(0));
      if (a_shared) pack_a(reduced_sample, group, i0, mc, pc, kc);
      if (b_shared) pack_b(reduced_sample, group, j0, nc, pc, kc);
      loop(s_begin, s_end, "gemm.sample", [&](llvm::Value* s) {
        llvm::Value* sample = reduce ? reduced_sample : s;
        if (!a_shared) pack_a(sample, group, i0, mc, pc, kc);
        if (!b_shared) pack_b(sample, group, j0, nc, pc, kc);
        llvm::Value* c_base = b().CreateAdd(b().CreateMul(group, c_gs_), b().CreateAdd(b().CreateMul(i0, ldc_), j0));
        c_base = b().CreateAdd(c_base, b().CreateMul(reduce ? batch_unit : s, c_bs_));
        loop(i64(0), ceil_div(nc, bk_.nr()), "gemm.jr", [&](llvm::Value* q) {
          loop(i64(0), ceil_div(mc, bk_.mr), "gemm.ir", [&](llvm::Value* p) {
            llvm::Value* row = b().CreateMul(p, i64(bk_.mr));
            llvm::Value* col = b().CreateMul(q, i64(bk_.nr()));
            llvm::Value* c_at = b().CreateAdd(c_base, b().CreateAdd(b().CreateMul(row, ldc_), col));
            prefetch_c_tile(c_at, min(i64(bk_.mr), b().CreateSub(mc, row)));
            micro_kernel(at(ap_, b().CreateMul(p, b().CreateMul(kc, i64(bk_.mr)))),
                         at(bp_, b().CreateMul(q, b().CreateMul(kc, i64(bk_.nr())))), kc);
            update_c(c_at, min(i64(bk_.mr), b().CreateSub(mc, row)), min(i64(bk_.nr()), b().CreateSub(nc, col)),
                     first);
          });
        });
      });
    });
  });
}

llvm::Value* GemmEmitter::run_sum_rows() { return i64(g_.groups * g_.m.constant); }

llvm::Value* GemmEmitter::run_sum_work_per_row() { return i64(g_.reduce_runs * g_.n_cols.constant); }

// C[g, i, j] = alpha * (((P[0] + P[1]) + P[2]) + ...)[g, i, j] + beta * C,
// a row (g, i) per iteration, `lanes` columns at a time.
void GemmEmitter::emit_run_sum(llvm::Value* begin, llvm::Value* end) {
  const int64_t m = g_.m.constant, n = g_.n_cols.constant, runs = g_.reduce_runs;
  const llvm::Align align(static_cast<uint64_t>(elem_bytes_));
  const unsigned lanes = static_cast<unsigned>(bk_.lanes);
  llvm::Value* partials = e_.buffer_pointer(g_.partials);
  llvm::Value* c = e_.buffer_pointer(g_.c);
  loop(begin, end, "gemm.run_sum", [&](llvm::Value* row) {
    llvm::Value* group = b().CreateUDiv(row, i64(m));
    llvm::Value* c_row = b().CreateAdd(b().CreateMul(group, c_gs_), b().CreateMul(b().CreateURem(row, i64(m)), ldc_));
    llvm::Value* p_row = b().CreateMul(row, i64(n));
    for (int64_t j = 0; j < n; j += bk_.lanes) {
      llvm::Value* mask = n - j >= bk_.lanes ? nullptr : lane_mask(i64(n - j));
      auto load = [&](llvm::Value* ptr) {
        if (mask) return static_cast<llvm::Value*>(b().CreateMaskedLoad(vt_, ptr, align, mask, zero_vector()));
        return static_cast<llvm::Value*>(b().CreateAlignedLoad(vt_, ptr, align));
      };
      llvm::Value* sum = nullptr;
      for (int64_t r = 0; r < runs; ++r) {
        llvm::Value* part = load(at(partials, b().CreateAdd(p_row, i64(r * g_.groups * m * n + j))));
        sum = sum ? b().CreateFAdd(sum, part) : part;
      }
      if (g_.alpha != 1) sum = b().CreateFMul(b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.alpha)), sum);
      llvm::Value* ptr = at(c, b().CreateAdd(c_row, i64(j)));
      if (g_.beta != 0) {
        llvm::Value* old = load(ptr);
        if (g_.beta != 1) old = b().CreateFMul(b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.beta)), old);
        sum = b().CreateFAdd(sum, old);
      }
      if (mask)
        b().CreateMaskedStore(sum, ptr, align, mask);
      else
        b().CreateAlignedStore(sum, ptr, align);
    }
  });
}

// ---- small IR helpers ----

llvm::Value* GemmEmitter::min(llvm::Value* x, llvm::Value* y) { return b().CreateSelect(b().CreateICmpSLT(x, y), x, y); }
llvm::Value* GemmEmitter::max(llvm::Value* x, llvm::Value* y) { return b().CreateSelect(b().CreateICmpSGT(x, y), x, y); }

llvm::Value* GemmEmitter::ceil_div(llvm::Value* x, int64_t d) {
  return b().CreateUDiv(b().CreateAdd(x, i64(d - 1)), i64(d));
}

llvm::Value* GemmEmitter::at(llvm::Value* base, llvm::Value* index) { return b().CreateGEP(t_, base, index); }
llvm::Value* GemmEmitter::at_vector(llvm::Value* base, llvm::Value* index) { return b().CreateGEP(vt_, base, index); }

llvm::Value* GemmEmitter::lane_mask(llvm::Value* valid) {
  std::vector<llvm::Constant*> ids;
  for (int64_t l = 0; l < bk_.lanes; ++l) ids.push_back(b().getInt64(static_cast<uint64_t>(l)));
  llvm::Value* limit = b().CreateVectorSplat(static_cast<unsigned>(bk_.lanes), valid);
  return b().CreateICmpSLT(llvm::ConstantVector::get(ids), limit);
}

llvm::Value* GemmEmitter::zero_vector() { return llvm::Constant::getNullValue(vt_); }

void GemmEmitter::loop(llvm::Value* begin, llvm::Value* end, const char* name,
                       const std::function<void(llvm::Value*)>& body) {
  e_.counted_loop(end, name, body, begin);
}

}  // namespace graphc::codegen::cpu
