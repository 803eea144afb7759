// The direct weight gradient of window_weight_grad.h.
#include "codegen/cpu/window_weight_grad.h"

#include <algorithm>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"
#include "codegen/cpu/gemm_codegen.h"
#include "codegen/cpu/vector_form.h"
#include "codegen/cpu/grid_layout.h"
#include "codegen/cpu/window_reader.h"

namespace graphc::codegen::cpu {

namespace {

constexpr int64_t kMaxChannels = 16;  // beyond this the packed GEMM's reuse is good enough
// Lanes of the partial sums, whatever the target's vectors: an AVX2 (or f64)
// kernel runs the rows once per vector of a chunk, so every target adds the
// same numbers in the same order and a trainer built for another CPU gives
// the same bits. Whether the direct form applies is decided for AVX-512's 32
// registers on every target, for the same reason; only the channel block
// (which output channels share a pass, never how any one is summed) follows
// the target's registers.
constexpr int64_t kChunk = 16;
constexpr int64_t kRulesRegisters = 32;

// Output channels whose accumulators, with one dy vector each, the current
// image vector and a spare, fit `registers`.
int64_t channels_in_registers(int64_t registers, int64_t kernel_w) { return (registers - 2) / (kernel_w + 1); }

int64_t target_lanes(FunctionEmitter& e, const Gemm& g) {
  return choose_gemm_blocking(e.target(), e.kernel().buffers[static_cast<size_t>(g.c)].dtype, g).lanes;
}

class WindowWeightGrad : VectorForm {
 public:
  WindowWeightGrad(FunctionEmitter& e, const Gemm& g, int64_t block)
      : VectorForm(e, g, target_lanes(e, g)), w_(g.b_window), block_(block),
        layout_(choose_grid_layout(w_.grid_h, w_.grid_w, kChunk)), vectors_(kChunk / lanes_) {
    GRAPHC_ASSERT(kChunk % lanes_ == 0, "vectors of ", lanes_, " lanes do not tile a chunk");
  }

  int64_t channel_blocks() const { return (g_.m.constant + block_ - 1) / block_; }
  // (group, channel block, input channel, tap row)
  int64_t units() const { return g_.groups * channel_blocks() * w_.channels * w_.kernel_h; }

  llvm::Value* work_per_unit() {
    return b().CreateMul(e_.size(g_.batch), i64(layout_.total_steps() * kChunk * block_ * w_.kernel_w));
  }

  void emit_units(llvm::Value* begin, llvm::Value* end) {
    // acc: one pass's accumulators, acc[ob*KW + kx]; finished[(ob*KW + kx)*vectors
    // + v]: what pass v left for lanes [v*lanes, (v+1)*lanes) of the chunk.
    // A lane's sum never meets another vector's, so one pass per vector adds
    // what a single pass would, in the same order, with a narrow target's
    // accumulators in its registers (VectorForm::finish_pass).
    std::vector<llvm::Value*> acc, finished;
    for (int64_t i = 0; i < block_ * w_.kernel_w; ++i) acc.push_back(entry_alloca(b(), vt_));
    for (int64_t i = 0; i < block_ * w_.kernel_w * vectors_; ++i) finished.push_back(entry_alloca(b(), vt_));
    e_.counted_loop(end, "wgrad.unit", [&](llvm::Value* unit) {
      llvm::Value* ky = b().CreateURem(unit, i64(w_.kernel_h));
      llvm::Value* rest = b().CreateUDiv(unit, i64(w_.kernel_h));
      llvm::Value* c = b().CreateURem(rest, i64(w_.channels));
      rest = b().CreateUDiv(rest, i64(w_.channels));
      llvm::Value* o0 = b().CreateMul(b().CreateURem(rest, i64(channel_blocks())), i64(block_));
      llvm::Value* group = b().CreateUDiv(rest, i64(channel_blocks()));
      for (int64_t v = 0; v < vectors_; ++v) {
        for (llvm::Value* a : acc) b().CreateStore(zero(), a);
        accumulate(group, o0, c, ky, v, acc);
        finish_pass(acc, finished, v, vectors_);
      }
      store(group, o0, c, ky, finished);
    }, begin);
  }

 private:
  // Pass v: lanes [v*lanes, (v+1)*lanes) of every chunk into acc, over the
  // samples, then the bands, then the chunks of a band.
  void accumulate(llvm::Value* group, llvm::Value* o0, llvm::Value* c, llvm::Value* ky, int64_t v,
                  const std::vector<llvm::Value*>& acc) {
    llvm::Value* dy = at(e_.buffer_pointer(g_.a), b().CreateMul(group, e_.size(g_.a_group_stride)));
    llvm::Value* image = at(e_.buffer_pointer(g_.b), b().CreateMul(group, e_.size(g_.b_group_stride)));
    image = at(image, b().CreateMul(c, i64(w_.image_h * w_.image_w)));
    llvm::Value* lda = e_.size(g_.lda);
    llvm::Value* a_bs = e_.size(g_.a_batch_stride);
    llvm::Value* b_bs = e_.size(g_.b_batch_stride);
    // Rows of dy past M read its last row (always there); their sums are dropped.
    std::vector<llvm::Value*> dy_rows;
    for (int64_t ob = 0; ob < block_; ++ob) {
      llvm::Value* o = b().CreateAdd(o0, i64(ob));
      llvm::Value* last = i64(g_.m.constant - 1);
      dy_rows.push_back(at(dy, b().CreateMul(b().CreateSelect(b().CreateICmpSLT(o, last), o, last), lda)));
    }
    WindowReader reader(b(), w_, t_, lanes_);
    e_.counted_loop(e_.size(g_.batch), "wgrad.sample", [&](llvm::Value* s) {
      std::vector<llvm::Value*> dy_planes;
      for (llvm::Value* row : dy_rows) dy_planes.push_back(at(row, b().CreateMul(s, a_bs)));
      llvm::Value* plane = at(image, b().CreateMul(s, b_bs));
      // The band whose first grid row, first_row, lies in [first_lo, first_hi].
      auto band = [&](llvm::Value* first_row, int64_t first_lo, int64_t first_hi, int64_t rows) {
        reader.start_band(plane, first_row, first_lo, first_hi, ky, rows);
        for (int64_t chunk = 0; chunk < layout_.steps(rows); ++chunk) {
          const std::vector<GridPiece> pieces = grid_pieces(layout_, rows, chunk * kChunk + v * lanes_, lanes_);
          if (pieces.empty()) continue;  // past the grid: it would add zeros
          std::vector<llvm::Value*> d;
          for (llvm::Value* dy_plane : dy_planes) d.push_back(load_grid_vector(b(), vt_, dy_plane, first_row, layout_, pieces));
          for (int64_t kx = 0; kx < w_.kernel_w; ++kx) {
            llvm::Value* x = reader.load(pieces, kx);
            for (int64_t ob = 0; ob < block_; ++ob) {
              llvm::Value* slot = acc[static_cast<size_t>(ob * w_.kernel_w + kx)];
              b().CreateStore(fma(d[static_cast<size_t>(ob)], x, b().CreateLoad(vt_, slot)), slot);
            }
          }
        }
      };
      const int64_t full = layout_.full_bands(), rows = layout_.band_rows;
      if (full > 0)
        e_.counted_loop(i64(full), "wgrad.band", [&](llvm::Value* index) {
          band(b().CreateMul(index, i64(rows)), 0, (full - 1) * rows, rows);
        });
      if (layout_.tail_rows() > 0) band(i64(full * rows), full * rows, full * rows, layout_.tail_rows());
    });
  }

  // dw[g][o, (c, ky, kx)] for the block's channels below M: each the
  // ordered sum of its 16 lanes (ordered_lane_sums, `lanes` outputs at once).
  void store(llvm::Value* group, llvm::Value* o0, llvm::Value* c, llvm::Value* ky,
             const std::vector<llvm::Value*>& finished) {
    llvm::Value* dw = at(e_.buffer_pointer(g_.c), b().CreateMul(group, e_.size(g_.c_group_stride)));
    llvm::Value* ldc = e_.size(g_.ldc);
    llvm::Value* tap_row = b().CreateMul(b().CreateAdd(b().CreateMul(c, i64(w_.kernel_h)), ky), i64(w_.kernel_w));
    const int64_t outputs = block_ * w_.kernel_w;
    const std::vector<llvm::Value*> sums = finished_sums(finished, outputs, vectors_);
    for (int64_t ob = 0; ob < block_; ++ob) {
      llvm::Value* o = b().CreateAdd(o0, i64(ob));
      emit_if_then(b(), b().CreateICmpSLT(o, i64(g_.m.constant)), "wgrad.store", [&] {
        for (int64_t kx = 0; kx < w_.kernel_w; ++kx) {
          const int64_t i = ob * w_.kernel_w + kx;
          llvm::Value* sum = b().CreateExtractElement(sums[static_cast<size_t>(i / lanes_)], static_cast<uint64_t>(i % lanes_));
          sum = b().CreateFMul(llvm::ConstantFP::get(t_, g_.alpha), sum);
          llvm::Value* ptr = at(dw, b().CreateAdd(b().CreateMul(o, ldc), b().CreateAdd(tap_row, i64(kx))));
          if (g_.beta != 0)
            sum = b().CreateFAdd(sum, b().CreateFMul(llvm::ConstantFP::get(t_, g_.beta), b().CreateLoad(t_, ptr)));
          b().CreateStore(sum, ptr);
        }
      });
    }
  }

  const GemmWindow& w_;
  const int64_t block_;
  const GridLayout layout_;  // in chunks: the same on every target
  const int64_t vectors_;    // registers per chunk
};

}  // namespace

int64_t window_weight_grad_block(const CpuTarget& target, DType t, const Gemm& g) {
  if (t != DType::f32 && t != DType::f64) return 0;
  if (!g.reduce_batch || !g.has_b_window || !g.transpose_b || g.transpose_a) return 0;
  const GemmWindow& w = g.b_window;
  if (w.x.grid_scale != 1 || w.x.divisor != 1 || w.y.divisor != 1) return 0;
  if (!g.m.is_constant() || g.m.constant < 1 || g.m.constant > kMaxChannels) return 0;
  if (!(g.k == SizeExpr(w.cols())) || !(g.n_cols == SizeExpr(w.rows()))) return 0;
  if (2 * w.grid_w < kChunk) return 0;  // most lanes would idle
  if (channels_in_registers(kRulesRegisters, w.kernel_w) < 1) return 0;
  const int64_t most = std::max<int64_t>(1, channels_in_registers(choose_gemm_blocking(target, t, g).registers, w.kernel_w));
  const int64_t blocks = (g.m.constant + most - 1) / most;
  return (g.m.constant + blocks - 1) / blocks;  // balanced blocks
}

void emit_window_weight_grad(FunctionEmitter& e, const Gemm& g, int64_t block) {
  WindowWeightGrad here(e, g, block);
  e.parallel(e.builder().getInt64(static_cast<uint64_t>(here.units())), here.work_per_unit(),
             [&](FunctionEmitter& task, llvm::Value* begin, llvm::Value* end) {
               WindowWeightGrad(task, g, block).emit_units(begin, end);
             });
}

}  // namespace graphc::codegen::cpu
