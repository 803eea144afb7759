// The direct forward convolution of direct_conv.h.
#include "codegen/cpu/direct_conv.h"

#include <algorithm>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"
#include "codegen/cpu/gemm_codegen.h"

namespace graphc::codegen::cpu {

namespace {

constexpr int64_t kMaxChannels = 16;  // beyond this the packed GEMM's reuse is good enough
constexpr int64_t kMaxRows = 8;

int64_t ceil_div(int64_t x, int64_t d) { return (x + d - 1) / d; }

class DirectConv {
 public:
  DirectConv(FunctionEmitter& e, const Gemm& g, const DirectConvBlocking& blocking)
      : e_(e), g_(g), w_(g.b_window), ob_(blocking.channels), r_(blocking.rows), lanes_(blocking.lanes) {
    const DType t = e.kernel().buffers[static_cast<size_t>(g.c)].dtype;
    t_ = e.register_type(t);
    vt_ = llvm::FixedVectorType::get(t_, static_cast<unsigned>(lanes_));
    align_ = llvm::Align(dtype_size(t));
  }

  int64_t channel_blocks() const { return ceil_div(g_.m.constant, ob_); }
  int64_t row_blocks() const { return ceil_div(w_.grid_h, r_); }
  int64_t chunks() const { return ceil_div(w_.grid_w, lanes_); }

  // (sample, group, channel block, row block)
  llvm::Value* units() {
    return b().CreateMul(e_.size(g_.batch), i64(g_.groups * channel_blocks() * row_blocks()));
  }
  llvm::Value* work_per_unit() { return i64(chunks() * lanes_ * w_.rows() * ob_ * r_); }

  void emit_units(llvm::Value* begin, llvm::Value* end) {
    std::vector<llvm::Value*> acc;  // acc[ob*R + r]
    for (int64_t i = 0; i < ob_ * r_; ++i) acc.push_back(entry_alloca(b(), vt_));
    e_.counted_loop(end, "dconv.unit", [&](llvm::Value* unit) {
      llvm::Value* gy0 = b().CreateMul(b().CreateURem(unit, i64(row_blocks())), i64(r_));
      llvm::Value* rest = b().CreateUDiv(unit, i64(row_blocks()));
      llvm::Value* o0 = b().CreateMul(b().CreateURem(rest, i64(channel_blocks())), i64(ob_));
      rest = b().CreateUDiv(rest, i64(channel_blocks()));
      llvm::Value* group = b().CreateURem(rest, i64(g_.groups));
      llvm::Value* sample = b().CreateUDiv(rest, i64(g_.groups));
      for (int64_t chunk = 0; chunk < chunks(); ++chunk) {
        for (llvm::Value* a : acc) b().CreateStore(zero(), a);
        accumulate(sample, group, o0, gy0, chunk * lanes_, acc);
        store(sample, group, o0, gy0, chunk * lanes_, acc);
      }
    }, begin);
  }

 private:
  llvm::IRBuilder<>& b() { return e_.builder(); }
  llvm::Value* i64(int64_t v) { return b().getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* zero() { return llvm::Constant::getNullValue(vt_); }
  llvm::Value* at(llvm::Value* base, llvm::Value* index) { return b().CreateGEP(t_, base, index); }
  llvm::Value* min(llvm::Value* x, int64_t y) { return b().CreateSelect(b().CreateICmpSLT(x, i64(y)), x, i64(y)); }

  // Lanes l with lo <= first + l < hi, as a constant mask; all_true when every lane is.
  llvm::Constant* lanes_within(int64_t first, int64_t lo, int64_t hi, bool& all_true, bool& any_true) {
    std::vector<llvm::Constant*> bits;
    all_true = true, any_true = false;
    for (int64_t l = 0; l < lanes_; ++l) {
      const bool in = lo <= first + l && first + l < hi;
      all_true &= in, any_true |= in;
      bits.push_back(b().getInt1(in));
    }
    return llvm::ConstantVector::get(bits);
  }

  // The lanes of `mask` from ptr (the others zero); a plain load when all are.
  llvm::Value* load_lanes(llvm::Value* ptr, llvm::Constant* mask, bool all) {
    if (all) return b().CreateAlignedLoad(vt_, ptr, align_);
    return b().CreateMaskedLoad(vt_, ptr, align_, mask, zero());
  }

  // Whether some output row reads a tap row outside the image (padding).
  bool rows_leave_image() const {
    const int64_t lowest = w_.y.shift + std::min<int64_t>(0, (w_.kernel_h - 1) * w_.y.tap_scale);
    const int64_t highest = (w_.grid_h - 1) * w_.y.grid_scale + w_.y.shift +
                            std::max<int64_t>(0, (w_.kernel_h - 1) * w_.y.tap_scale);
    return lowest < 0 || highest >= w_.image_h;
  }

  void accumulate(llvm::Value* sample, llvm::Value* group, llvm::Value* o0, llvm::Value* gy0, int64_t gx0,
                  const std::vector<llvm::Value*>& acc) {
    const int64_t plane = w_.image_h * w_.image_w;
    llvm::Value* image = at(e_.buffer_pointer(g_.b), b().CreateAdd(b().CreateMul(sample, e_.size(g_.b_batch_stride)),
                                                                    b().CreateMul(group, e_.size(g_.b_group_stride))));
    llvm::Value* weights = at(e_.buffer_pointer(g_.a), b().CreateAdd(b().CreateMul(sample, e_.size(g_.a_batch_stride)),
                                                                      b().CreateMul(group, e_.size(g_.a_group_stride))));
    // Channels past M read the last weight row, rows past the grid its last
    // row (both always there); their sums are not stored.
    std::vector<llvm::Value*> weight_rows, grid_rows;
    for (int64_t ob = 0; ob < ob_; ++ob)
      weight_rows.push_back(at(weights, b().CreateMul(min(b().CreateAdd(o0, i64(ob)), g_.m.constant - 1),
                                                      e_.size(g_.lda))));
    for (int64_t r = 0; r < r_; ++r) grid_rows.push_back(min(b().CreateAdd(gy0, i64(r)), w_.grid_h - 1));
    const bool guard_rows = rows_leave_image();

    // The column masks do not depend on the runtime indices: one per tap column.
    struct Column {
      int64_t offset;  // of lane 0 in the image row
      llvm::Constant* mask;
      bool all, any;
    };
    std::vector<Column> columns;
    for (int64_t kx = 0; kx < w_.kernel_w; ++kx) {
      Column col{gx0 + kx * w_.x.tap_scale + w_.x.shift, nullptr, false, false};
      col.mask = lanes_within(col.offset, 0, w_.image_w, col.all, col.any);
      columns.push_back(col);
    }

    e_.counted_loop(i64(w_.channels), "dconv.channel", [&](llvm::Value* c) {
      llvm::Value* channel = at(image, b().CreateMul(c, i64(plane)));
      e_.counted_loop(i64(w_.kernel_h), "dconv.tap_row", [&](llvm::Value* ky) {
        llvm::Value* tap_y = b().CreateAdd(b().CreateMul(ky, i64(w_.y.tap_scale)), i64(w_.y.shift));
        std::vector<llvm::Value*> rows, inside;  // per r: the image row read, whether it is in the image
        for (int64_t r = 0; r < r_; ++r) {
          llvm::Value* y = b().CreateAdd(b().CreateMul(grid_rows[static_cast<size_t>(r)], i64(w_.y.grid_scale)), tap_y);
          if (guard_rows) {
            inside.push_back(b().CreateAnd(b().CreateICmpSGE(y, i64(0)), b().CreateICmpSLT(y, i64(w_.image_h))));
            y = b().CreateSelect(inside.back(), y, i64(0));
          }
          rows.push_back(at(channel, b().CreateMul(y, i64(w_.image_w))));
        }
        llvm::Value* tap_row = b().CreateMul(b().CreateAdd(b().CreateMul(c, i64(w_.kernel_h)), ky), i64(w_.kernel_w));
        for (int64_t kx = 0; kx < w_.kernel_w; ++kx) {
          const Column& col = columns[static_cast<size_t>(kx)];
          std::vector<llvm::Value*> xv;
          for (int64_t r = 0; r < r_; ++r) {
            llvm::Value* ptr = at(rows[static_cast<size_t>(r)], i64(col.offset));
            llvm::Value* v = col.any ? load_lanes(ptr, col.mask, col.all) : zero();
            if (guard_rows) v = b().CreateSelect(inside[static_cast<size_t>(r)], v, zero());
            xv.push_back(v);
          }
          // Every tap multiplies, zero ones too: the packed GEMM's sums exactly.
          llvm::Value* k = b().CreateAdd(tap_row, i64(kx));
          for (int64_t ob = 0; ob < ob_; ++ob) {
            llvm::Value* wk = b().CreateAlignedLoad(t_, at(weight_rows[static_cast<size_t>(ob)], k), align_);
            llvm::Value* splat = b().CreateVectorSplat(static_cast<unsigned>(lanes_), wk);
            for (int64_t r = 0; r < r_; ++r) {
              llvm::Value* slot = acc[static_cast<size_t>(ob * r_ + r)];
              llvm::Value* sum = b().CreateIntrinsic(llvm::Intrinsic::fma, {vt_},
                                                     {splat, xv[static_cast<size_t>(r)], b().CreateLoad(vt_, slot)});
              b().CreateStore(sum, slot);
            }
          }
        }
      });
    });
  }

  // C = alpha * acc + beta * C, as the packed GEMM's first C update (C unread
  // when beta is 0), for the channels below M and rows within the grid.
  void store(llvm::Value* sample, llvm::Value* group, llvm::Value* o0, llvm::Value* gy0, int64_t gx0,
             const std::vector<llvm::Value*>& acc) {
    llvm::Value* out = at(e_.buffer_pointer(g_.c), b().CreateAdd(b().CreateMul(sample, e_.size(g_.c_batch_stride)),
                                                                  b().CreateMul(group, e_.size(g_.c_group_stride))));
    llvm::Value* ldc = e_.size(g_.ldc);
    bool full = false, any = false;
    llvm::Constant* mask = lanes_within(gx0, 0, w_.grid_w, full, any);
    const unsigned lanes = static_cast<unsigned>(lanes_);
    for (int64_t ob = 0; ob < ob_; ++ob) {
      llvm::Value* o = b().CreateAdd(o0, i64(ob));
      for (int64_t r = 0; r < r_; ++r) {
        llvm::Value* gy = b().CreateAdd(gy0, i64(r));
        llvm::Value* valid = b().CreateAnd(b().CreateICmpSLT(o, i64(g_.m.constant)), b().CreateICmpSLT(gy, i64(w_.grid_h)));
        emit_if_then(b(), valid, "dconv.store", [&] {
          llvm::Value* column = b().CreateAdd(b().CreateMul(gy, i64(w_.grid_w)), i64(gx0));
          llvm::Value* ptr = at(out, b().CreateAdd(b().CreateMul(o, ldc), column));
          llvm::Value* value = b().CreateLoad(vt_, acc[static_cast<size_t>(ob * r_ + r)]);
          if (g_.alpha != 1) value = b().CreateFMul(b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.alpha)), value);
          if (g_.beta != 0) {
            llvm::Value* old = load_lanes(ptr, mask, full);
            llvm::Value* beta = b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.beta));
            value = b().CreateFAdd(value, g_.beta == 1 ? old : b().CreateFMul(beta, old));
          }
          if (full)
            b().CreateAlignedStore(value, ptr, align_);
          else
            b().CreateMaskedStore(value, ptr, align_, mask);
        });
      }
    }
  }

  FunctionEmitter& e_;
  const Gemm& g_;
  const GemmWindow& w_;
  const int64_t ob_, r_, lanes_;
  llvm::Type* t_;
  llvm::VectorType* vt_;
  llvm::Align align_;
};

}  // namespace

DirectConvBlocking direct_conv_blocking(const CpuTarget& target, DType t, const Gemm& g) {
  if (t != DType::f32 && t != DType::f64) return {};
  if (g.reduce_batch || !g.has_b_window || g.transpose_a || g.transpose_b) return {};
  const GemmWindow& w = g.b_window;
  if (w.x.grid_scale != 1 || w.x.divisor != 1 || w.y.divisor != 1) return {};
  if (!g.m.is_constant() || g.m.constant < 1 || g.m.constant > kMaxChannels) return {};
  if (!(g.k == SizeExpr(w.rows())) || !(g.n_cols == SizeExpr(w.cols()))) return {};
  const GemmBlocking packed = choose_gemm_blocking(target, t, g);
  if (w.rows() > packed.kc) return {};  // the packed GEMM would cut its sums: the bits would differ
  if (2 * w.grid_w < packed.lanes) return {};  // most lanes would idle
  // Registers: OB*R accumulators, R image vectors, one broadcast weight. Per
  // tap a block costs its fma or its loads, whichever is more; the cheapest
  // cover of the output wins, the larger block on a tie (fewer weight reloads).
  const int64_t m = g.m.constant;
  DirectConvBlocking best;
  int64_t best_cost = 0;
  for (int64_t blocks = 1; blocks <= m; ++blocks) {
    const int64_t ob = ceil_div(m, blocks);
    if (ceil_div(m, ob) != blocks) continue;  // the same block size as fewer blocks
    for (int64_t r = 1; r <= std::min(w.grid_h, kMaxRows); ++r) {
      if (ob * r + r + 1 > packed.registers) break;
      const int64_t cost = blocks * ceil_div(w.grid_h, r) * std::max(ob * r, ob + r);
      if (best.channels == 0 || cost < best_cost ||
          (cost == best_cost && ob * r > best.channels * best.rows))
        best = {ob, r, packed.lanes}, best_cost = cost;
    }
  }
  return best;
}

void emit_direct_conv(FunctionEmitter& e, const Gemm& g, const DirectConvBlocking& blocking) {
  DirectConv here(e, g, blocking);
  e.parallel(here.units(), here.work_per_unit(), [&](FunctionEmitter& task, llvm::Value* begin, llvm::Value* end) {
    DirectConv(task, g, blocking).emit_units(begin, end);
  });
}

}  // namespace graphc::codegen::cpu
