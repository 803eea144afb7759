// The direct forward convolution of direct_conv.h.
#include "codegen/cpu/direct_conv.h"

#include <algorithm>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"
#include "codegen/cpu/gemm_codegen.h"
#include "codegen/cpu/vector_form.h"
#include "codegen/cpu/window_reader.h"

namespace graphc::codegen::cpu {

namespace {

constexpr int64_t kMaxChannels = 16;  // beyond this the packed GEMM's reuse is good enough
constexpr int64_t kMaxVectors = 8;

int64_t ceil_div(int64_t x, int64_t d) { return (x + d - 1) / d; }

// The vectors of a band of `rows` rows, as grid_layout.h cuts them.
std::vector<std::vector<GridPiece>> band_vectors(const GridLayout& layout, int64_t rows, int64_t lanes) {
  std::vector<std::vector<GridPiece>> vectors;
  for (int64_t v = 0; v < layout.steps(rows); ++v) vectors.push_back(grid_pieces(layout, rows, v * lanes, lanes));
  return vectors;
}

class DirectConv : VectorForm {
 public:
  DirectConv(FunctionEmitter& e, const Gemm& g, const DirectConvBlocking& blocking)
      : VectorForm(e, g, blocking.lanes), w_(g.b_window), ob_(blocking.channels), r_(blocking.vectors),
        layout_(blocking.layout) {}

  int64_t channel_blocks() const { return ceil_div(g_.m.constant, ob_); }

  // (sample, group, channel block, band)
  llvm::Value* units() {
    return b().CreateMul(e_.size(g_.batch), i64(g_.groups * channel_blocks() * layout_.bands()));
  }
  llvm::Value* work_per_unit() { return i64(layout_.steps(layout_.band_rows) * lanes_ * w_.rows() * ob_); }

  void emit_units(llvm::Value* begin, llvm::Value* end) {
    std::vector<llvm::Value*> acc;  // acc[ob*R + r]
    for (int64_t i = 0; i < ob_ * r_; ++i) acc.push_back(entry_alloca(b(), vt_));
    e_.counted_loop(end, "dconv.unit", [&](llvm::Value* unit) {
      llvm::Value* band = b().CreateURem(unit, i64(layout_.bands()));
      llvm::Value* rest = b().CreateUDiv(unit, i64(layout_.bands()));
      llvm::Value* o0 = b().CreateMul(b().CreateURem(rest, i64(channel_blocks())), i64(ob_));
      rest = b().CreateUDiv(rest, i64(channel_blocks()));
      llvm::Value* group = b().CreateURem(rest, i64(g_.groups));
      llvm::Value* sample = b().CreateUDiv(rest, i64(g_.groups));
      const int64_t full = layout_.full_bands(), rows = layout_.band_rows;
      auto full_band = [&] {
        emit_band(sample, group, o0, b().CreateMul(band, i64(rows)), 0, (full - 1) * rows, rows, acc);
      };
      auto tail_band = [&] {
        emit_band(sample, group, o0, i64(full * rows), full * rows, full * rows, layout_.tail_rows(), acc);
      };
      if (full == 0)
        tail_band();
      else if (layout_.tail_rows() == 0)
        full_band();
      else
        emit_if_then_else(b(), b().CreateICmpULT(band, i64(full)), "dconv.band", full_band, tail_band);
    }, begin);
  }

 private:

  // The band whose first grid row, first_row, lies in [first_lo, first_hi]:
  // its vectors in groups of R, each accumulated and stored.
  void emit_band(llvm::Value* sample, llvm::Value* group, llvm::Value* o0, llvm::Value* first_row, int64_t first_lo,
                 int64_t first_hi, int64_t rows, const std::vector<llvm::Value*>& acc) {
    const std::vector<std::vector<GridPiece>> vectors = band_vectors(layout_, rows, lanes_);
    for (size_t v0 = 0; v0 < vectors.size(); v0 += static_cast<size_t>(r_)) {
      const std::vector<std::vector<GridPiece>> block(
          vectors.begin() + static_cast<std::ptrdiff_t>(v0),
          vectors.begin() + static_cast<std::ptrdiff_t>(std::min(vectors.size(), v0 + static_cast<size_t>(r_))));
      for (llvm::Value* a : acc) b().CreateStore(zero(), a);
      accumulate(sample, group, o0, first_row, first_lo, first_hi, rows, block, acc);
      store(sample, group, o0, first_row, block, acc);
    }
  }

  void accumulate(llvm::Value* sample, llvm::Value* group, llvm::Value* o0, llvm::Value* first_row, int64_t first_lo,
                  int64_t first_hi, int64_t rows, const std::vector<std::vector<GridPiece>>& block,
                  const std::vector<llvm::Value*>& acc) {
    const int64_t plane = w_.image_h * w_.image_w;
    llvm::Value* image = at(e_.buffer_pointer(g_.b), b().CreateAdd(b().CreateMul(sample, e_.size(g_.b_batch_stride)),
                                                                    b().CreateMul(group, e_.size(g_.b_group_stride))));
    llvm::Value* weights = at(e_.buffer_pointer(g_.a), b().CreateAdd(b().CreateMul(sample, e_.size(g_.a_batch_stride)),
                                                                      b().CreateMul(group, e_.size(g_.a_group_stride))));
    // Channels past M read the last weight row (always there); their sums are not stored.
    std::vector<llvm::Value*> weight_rows;
    for (int64_t ob = 0; ob < ob_; ++ob)
      weight_rows.push_back(at(weights, b().CreateMul(min(b().CreateAdd(o0, i64(ob)), g_.m.constant - 1),
                                                      e_.size(g_.lda))));
    WindowReader reader(b(), w_, t_, lanes_);
    e_.counted_loop(i64(w_.channels), "dconv.channel", [&](llvm::Value* c) {
      llvm::Value* channel = at(image, b().CreateMul(c, i64(plane)));
      e_.counted_loop(i64(w_.kernel_h), "dconv.tap_row", [&](llvm::Value* ky) {
        reader.start_band(channel, first_row, first_lo, first_hi, ky, rows);
        llvm::Value* tap_row = b().CreateMul(b().CreateAdd(b().CreateMul(c, i64(w_.kernel_h)), ky), i64(w_.kernel_w));
        for (int64_t kx = 0; kx < w_.kernel_w; ++kx) {
          std::vector<llvm::Value*> xv;
          for (const std::vector<GridPiece>& pieces : block) xv.push_back(reader.load(pieces, kx));
          // Every tap multiplies, zero ones too: the packed GEMM's sums exactly.
          llvm::Value* k = b().CreateAdd(tap_row, i64(kx));
          for (int64_t ob = 0; ob < ob_; ++ob) {
            llvm::Value* wk = b().CreateAlignedLoad(t_, at(weight_rows[static_cast<size_t>(ob)], k), align_);
            llvm::Value* splat = b().CreateVectorSplat(static_cast<unsigned>(lanes_), wk);
            for (size_t r = 0; r < xv.size(); ++r) {
              llvm::Value* slot = acc[static_cast<size_t>(ob * r_) + r];
              b().CreateStore(fma(splat, xv[r], b().CreateLoad(vt_, slot)), slot);
            }
          }
        }
      });
    });
  }

  // C = alpha * acc + beta * C, as the packed GEMM's first C update (C unread
  // when beta is 0), for the channels below M.
  void store(llvm::Value* sample, llvm::Value* group, llvm::Value* o0, llvm::Value* first_row,
             const std::vector<std::vector<GridPiece>>& block, const std::vector<llvm::Value*>& acc) {
    llvm::Value* out = at(e_.buffer_pointer(g_.c), b().CreateAdd(b().CreateMul(sample, e_.size(g_.c_batch_stride)),
                                                                  b().CreateMul(group, e_.size(g_.c_group_stride))));
    llvm::Value* ldc = e_.size(g_.ldc);
    const unsigned lanes = static_cast<unsigned>(lanes_);
    for (int64_t ob = 0; ob < ob_; ++ob) {
      llvm::Value* o = b().CreateAdd(o0, i64(ob));
      emit_if_then(b(), b().CreateICmpSLT(o, i64(g_.m.constant)), "dconv.store", [&] {
        llvm::Value* plane = at(out, b().CreateMul(o, ldc));
        for (size_t r = 0; r < block.size(); ++r) {
          llvm::Value* value = b().CreateLoad(vt_, acc[static_cast<size_t>(ob * r_) + r]);
          if (g_.alpha != 1) value = b().CreateFMul(b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.alpha)), value);
          if (g_.beta != 0) {
            llvm::Value* old = load_grid_vector(b(), vt_, plane, first_row, layout_, block[r]);
            llvm::Value* beta = b().CreateVectorSplat(lanes, llvm::ConstantFP::get(t_, g_.beta));
            value = b().CreateFAdd(value, g_.beta == 1 ? old : b().CreateFMul(beta, old));
          }
          store_grid_vector(b(), value, plane, first_row, layout_, block[r]);
        }
      });
    }
  }

  const GemmWindow& w_;
  const int64_t ob_, r_;
  const GridLayout layout_;
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
  // Registers: OB*R accumulators, R image vectors, one broadcast weight,
  // and one more to blend the rows a flattened vector spans. Per tap a
  // group of vectors costs its fma or its loads (a broadcast per channel, a
  // load per grid row a vector spans), whichever is more; the cheapest cover
  // of the grid wins, the larger block on a tie (fewer weight reloads).
  const GridLayout layout = choose_grid_layout(w.grid_h, w.grid_w, packed.lanes, kMaxVectors);
  auto band_cost = [&](int64_t ob, int64_t r, int64_t rows) {
    const std::vector<std::vector<GridPiece>> vectors = band_vectors(layout, rows, packed.lanes);
    int64_t cost = 0;
    for (size_t v0 = 0; v0 < vectors.size(); v0 += static_cast<size_t>(r)) {
      const size_t end = std::min(vectors.size(), v0 + static_cast<size_t>(r));
      int64_t loads = ob;
      for (size_t v = v0; v < end; ++v) loads += static_cast<int64_t>(vectors[v].size());
      cost += std::max(ob * static_cast<int64_t>(end - v0), loads);
    }
    return cost;
  };
  const int64_t m = g.m.constant;
  const int64_t spare = layout.flattened() ? 2 : 1;
  DirectConvBlocking best;
  int64_t best_cost = 0;
  for (int64_t blocks = 1; blocks <= m; ++blocks) {
    const int64_t ob = ceil_div(m, blocks);
    if (ceil_div(m, ob) != blocks) continue;  // the same block size as fewer blocks
    for (int64_t r = 1; r <= std::min(layout.steps(layout.band_rows), kMaxVectors); ++r) {
      if (ob * r + r + spare > packed.registers) break;
      const int64_t cost = blocks * (layout.full_bands() * band_cost(ob, r, layout.band_rows) +
                                     band_cost(ob, r, layout.tail_rows()));
      if (best.channels == 0 || cost < best_cost ||
          (cost == best_cost && ob * r > best.channels * best.vectors))
        best = {ob, r, packed.lanes, layout}, best_cost = cost;
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
