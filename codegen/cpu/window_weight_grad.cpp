// The direct weight gradient of window_weight_grad.h.
#include "codegen/cpu/window_weight_grad.h"

#include <algorithm>

#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/function_emitter.h"
#include "codegen/cpu/gemm_codegen.h"

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

class WindowWeightGrad {
 public:
  WindowWeightGrad(FunctionEmitter& e, const Gemm& g, int64_t block)
      : e_(e), g_(g), w_(g.b_window), block_(block) {
    const DType t = e.kernel().buffers[static_cast<size_t>(g.c)].dtype;
    lanes_ = choose_gemm_blocking(e.target(), t, g).lanes;
    GRAPHC_ASSERT(kChunk % lanes_ == 0, "vectors of ", lanes_, " lanes do not tile a chunk");
    vectors_ = kChunk / lanes_;
    t_ = e.register_type(t);
    vt_ = llvm::FixedVectorType::get(t_, static_cast<unsigned>(lanes_));
    align_ = llvm::Align(dtype_size(t));
  }

  int64_t channel_blocks() const { return (g_.m.constant + block_ - 1) / block_; }
  // (group, channel block, input channel, tap row)
  int64_t units() const { return g_.groups * channel_blocks() * w_.channels * w_.kernel_h; }

  llvm::Value* work_per_unit() {
    const int64_t columns = (w_.grid_w + kChunk - 1) / kChunk * kChunk;
    return b().CreateMul(e_.size(g_.batch), i64(w_.grid_h * columns * block_ * w_.kernel_w));
  }

  void emit_units(llvm::Value* begin, llvm::Value* end) {
    // acc: one pass's accumulators, acc[ob*KW + kx]; finished[(ob*KW + kx)*vectors
    // + v]: what pass v left for lanes [v*lanes, (v+1)*lanes) of the chunk.
    // A lane's sum never meets another vector's, so one pass per vector adds
    // what a single pass would, in the same order, with a narrow target's
    // accumulators in its registers. The finished ones are stored volatile:
    // promoted to registers they would stay live through the later passes,
    // and the register allocator then spills inside their loops.
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
        for (size_t i = 0; i < acc.size(); ++i)
          b().CreateStore(b().CreateLoad(vt_, acc[i]), finished[i * static_cast<size_t>(vectors_) + static_cast<size_t>(v)],
                          /*isVolatile=*/true);
      }
      store(group, o0, c, ky, finished);
    }, begin);
  }

 private:
  llvm::IRBuilder<>& b() { return e_.builder(); }
  llvm::Value* i64(int64_t v) { return b().getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* zero() { return llvm::Constant::getNullValue(vt_); }
  llvm::Value* at(llvm::Value* base, llvm::Value* index) { return b().CreateGEP(t_, base, index); }
  // Lanes l with lo <= first + l < hi.
  llvm::Value* lanes_within(llvm::Value* first, int64_t lo, int64_t hi) {
    std::vector<llvm::Constant*> ids;
    for (int64_t l = 0; l < lanes_; ++l) ids.push_back(b().getInt64(static_cast<uint64_t>(l)));
    llvm::Value* at = b().CreateAdd(b().CreateVectorSplat(static_cast<unsigned>(lanes_), first),
                                    llvm::ConstantVector::get(ids));
    auto splat = [&](int64_t v) { return b().CreateVectorSplat(static_cast<unsigned>(lanes_), i64(v)); };
    return b().CreateAnd(b().CreateICmpSGE(at, splat(lo)), b().CreateICmpSLT(at, splat(hi)));
  }

  // Pass v: lanes [v*lanes, (v+1)*lanes) of every chunk into acc.
  void accumulate(llvm::Value* group, llvm::Value* o0, llvm::Value* c, llvm::Value* ky, int64_t v,
                  const std::vector<llvm::Value*>& acc) {
    const int64_t kw_taps = w_.kernel_w;
    llvm::Value* dy = at(e_.buffer_pointer(g_.a), b().CreateMul(group, e_.size(g_.a_group_stride)));
    llvm::Value* image = at(e_.buffer_pointer(g_.b), b().CreateMul(group, e_.size(g_.b_group_stride)));
    image = at(image, b().CreateMul(c, i64(w_.image_h * w_.image_w)));
    llvm::Value* lda = e_.size(g_.lda);
    llvm::Value* a_bs = e_.size(g_.a_batch_stride);
    llvm::Value* b_bs = e_.size(g_.b_batch_stride);
    llvm::Value* tap_y = b().CreateAdd(b().CreateMul(ky, i64(w_.y.tap_scale)), i64(w_.y.shift));
    // Rows of dy past M read its last row (always there); their sums are dropped.
    std::vector<llvm::Value*> dy_rows;
    for (int64_t ob = 0; ob < block_; ++ob) {
      llvm::Value* o = b().CreateAdd(o0, i64(ob));
      llvm::Value* last = i64(g_.m.constant - 1);
      dy_rows.push_back(at(dy, b().CreateMul(b().CreateSelect(b().CreateICmpSLT(o, last), o, last), lda)));
    }
    const int64_t chunks = (w_.grid_w + kChunk - 1) / kChunk;
    e_.counted_loop(i64(chunks), "wgrad.chunk", [&](llvm::Value* chunk) {
      llvm::Value* gx0 = b().CreateAdd(b().CreateMul(chunk, i64(kChunk)), i64(v * lanes_));
      llvm::Value* dy_mask = lanes_within(gx0, 0, w_.grid_w);
      std::vector<llvm::Value*> x_mask, x_at;  // per kx
      int64_t lowest_shift = 0, highest_shift = 0;
      for (int64_t kx = 0; kx < kw_taps; ++kx) {
        // lane l reads column gx0 + l + shift of the image row
        const int64_t shift = kx * w_.x.tap_scale + w_.x.shift;
        x_at.push_back(b().CreateAdd(gx0, i64(shift)));
        x_mask.push_back(b().CreateAnd(dy_mask, lanes_within(gx0, -shift, w_.image_w - shift)));
        lowest_shift = kx == 0 ? shift : std::min(lowest_shift, shift);
        highest_shift = kx == 0 ? shift : std::max(highest_shift, shift);
      }
      // Chunks whose lanes are all inside the grid and every tap inside the
      // image row (all but the last, mostly) load without masks: AVX2 keeps
      // a mask in a vector register, which the accumulators need.
      llvm::Value* end = b().CreateAdd(gx0, i64(lanes_));
      llvm::Value* whole = b().CreateAnd(
          b().CreateICmpSLE(end, i64(w_.grid_w)),
          b().CreateAnd(b().CreateICmpSGE(b().CreateAdd(gx0, i64(lowest_shift)), i64(0)),
                        b().CreateICmpSLE(b().CreateAdd(end, i64(highest_shift)), i64(w_.image_w))));
      auto rows = [&](bool masked) {
        auto load = [&](llvm::Value* ptr, llvm::Value* mask) -> llvm::Value* {
          if (masked) return b().CreateMaskedLoad(vt_, ptr, align_, mask, zero());
          return b().CreateAlignedLoad(vt_, ptr, align_);
        };
        e_.counted_loop(e_.size(g_.batch), "wgrad.sample", [&](llvm::Value* s) {
          llvm::Value* dy_sample = b().CreateMul(s, a_bs);
          llvm::Value* image_sample = at(image, b().CreateMul(s, b_bs));
          e_.counted_loop(i64(w_.grid_h), "wgrad.row", [&](llvm::Value* gy) {
            llvm::Value* y = b().CreateAdd(b().CreateMul(gy, i64(w_.y.grid_scale)), tap_y);
            llvm::Value* inside =
                b().CreateAnd(b().CreateICmpSGE(y, i64(0)), b().CreateICmpSLT(y, i64(w_.image_h)));
            emit_if_then(b(), inside, "wgrad.inside", [&] {
              llvm::Value* row = at(image_sample, b().CreateMul(y, i64(w_.image_w)));
              llvm::Value* column =
                  b().CreateAdd(b().CreateAdd(dy_sample, b().CreateMul(gy, i64(w_.grid_w))), gx0);
              std::vector<llvm::Value*> d;
              for (int64_t ob = 0; ob < block_; ++ob)
                d.push_back(load(at(dy_rows[static_cast<size_t>(ob)], column), dy_mask));
              for (int64_t kx = 0; kx < kw_taps; ++kx) {
                llvm::Value* x = load(at(row, x_at[static_cast<size_t>(kx)]), x_mask[static_cast<size_t>(kx)]);
                for (int64_t ob = 0; ob < block_; ++ob) {
                  llvm::Value* slot = acc[static_cast<size_t>(ob * kw_taps + kx)];
                  llvm::Value* sum = b().CreateIntrinsic(
                      llvm::Intrinsic::fma, {vt_}, {d[static_cast<size_t>(ob)], x, b().CreateLoad(vt_, slot)});
                  b().CreateStore(sum, slot);
                }
              }
            });
          });
        });
      };
      emit_if_then_else(b(), whole, "wgrad.whole", [&] { rows(false); }, [&] { rows(true); });
    });
  }

  // dw[g][o, (c, ky, kx)] for the block's channels below M.
  void store(llvm::Value* group, llvm::Value* o0, llvm::Value* c, llvm::Value* ky,
             const std::vector<llvm::Value*>& finished) {
    llvm::Value* dw = at(e_.buffer_pointer(g_.c), b().CreateMul(group, e_.size(g_.c_group_stride)));
    llvm::Value* ldc = e_.size(g_.ldc);
    llvm::Value* tap_row = b().CreateMul(b().CreateAdd(b().CreateMul(c, i64(w_.kernel_h)), ky), i64(w_.kernel_w));
    for (int64_t ob = 0; ob < block_; ++ob) {
      llvm::Value* o = b().CreateAdd(o0, i64(ob));
      emit_if_then(b(), b().CreateICmpSLT(o, i64(g_.m.constant)), "wgrad.store", [&] {
        for (int64_t kx = 0; kx < w_.kernel_w; ++kx) {
          // No fast-math flags: an ordered sum over the chunk's lanes, lane 0 first.
          llvm::Value* sum = llvm::ConstantFP::get(t_, 0.0);
          for (int64_t v = 0; v < vectors_; ++v)
            sum = b().CreateFAddReduce(
                sum, b().CreateLoad(vt_, finished[static_cast<size_t>((ob * w_.kernel_w + kx) * vectors_ + v)],
                                    /*isVolatile=*/true));
          sum = b().CreateFMul(llvm::ConstantFP::get(t_, g_.alpha), sum);
          llvm::Value* ptr = at(dw, b().CreateAdd(b().CreateMul(o, ldc), b().CreateAdd(tap_row, i64(kx))));
          if (g_.beta != 0)
            sum = b().CreateFAdd(sum, b().CreateFMul(llvm::ConstantFP::get(t_, g_.beta), b().CreateLoad(t_, ptr)));
          b().CreateStore(sum, ptr);
        }
      });
    }
  }

  FunctionEmitter& e_;
  const Gemm& g_;
  const GemmWindow& w_;
  const int64_t block_;
  int64_t lanes_ = 0, vectors_ = 0;  // per register; registers per chunk
  llvm::Type* t_;
  llvm::VectorType* vt_;
  llvm::Align align_;
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
