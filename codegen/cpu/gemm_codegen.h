// The packed, register-blocked GEMM of the CPU backend (BLIS-style), split
// over gemm_blocking.cpp (tile sizes for the target), gemm_pack.cpp (packing
// A and B panels, the implicit im2col of a window operand), gemm_micro_kernel.cpp
// (the MR x NR register tile and the C update) and emit_gemm.cpp (the driver:
// work units for the thread pool, the cache-block loops).
//
// Shape of the emitted code, per work unit (one MC x NC block of C for one
// group and a chunk of the batch):
//   for each KC block of the contraction (and each sample, with reduce_batch):
//     pack A's MC x KC block into MR-row panels, k-major      (Ap, on the stack)
//     pack B's KC x NC block into NR-column panels, k-major   (Bp, on the stack)
//     for each NR panel: for each MR panel: micro-kernel, then C update
// The micro-kernel keeps the MR x NR tile of C in MR * NV vector registers and
// does one fma per register and k, in ascending k. Padding rows/columns of
// the panels are zeros, so edge tiles run the same kernel and only the C
// update is masked.
//
// Determinism: every element of C is alpha * (sum over KC blocks, in
// ascending order, of the block's ascending-k fma chain) combined with beta*C.
// KC is fixed by the target and the Gemm alone; MC, NC, the batch chunk and
// how the pool splits the units only decide which task computes a tile, so
// results are bit-identical for any thread count.
#pragma once

#include <cstdint>
#include <functional>

#include "codegen/cpu/function_emitter.h"

namespace graphc::codegen::cpu {

struct GemmBlocking {
  int64_t lanes = 16;      // elements per vector register
  int64_t registers = 32;  // vector registers of the target
  int64_t mr = 14, nv = 2; // micro-tile: mr rows x nv vectors (nr = nv * lanes columns)
  int64_t kc = 256;        // contraction block: fixes the summation order
  int64_t mc = 168, nc = 512;  // cache blocks of C (multiples of mr, nr); free to change
  int64_t batch_chunk = 1; // samples per work unit when an operand is shared by the batch
  int64_t nr() const { return nv * lanes; }
};

// A window whose tap (ty, tx) of grid position p is image element p + ty*W
// + tx wherever it lands inside: unit strides, no divisors, a grid as wide
// as the image (a 'same' convolution at stride 1, and its transposed window).
bool is_flat(const GemmWindow& w);

// Tile sizes for `target` (AVX-512: 16 f32 lanes and 32 registers; AVX2: 8
// lanes and 16 registers) and the element type, with cache blocks shrunk to
// the problem so that small GEMMs still give the pool several units. Sizes
// that depend on the batch are taken at `batch` (the blocks only; every
// batch size runs correctly).
GemmBlocking choose_gemm_blocking(const CpuTarget& target, DType t, const Gemm& g, int64_t batch = 32);

// Emits one Gemm's work units [begin, end) into a (task) function.
class GemmEmitter {
 public:
  GemmEmitter(FunctionEmitter& e, const Gemm& g, const GemmBlocking& blocking);

  // Number of work units (emitted in the caller's function).
  llvm::Value* unit_count();
  // A rough operation count of one unit, for parallel_for.
  llvm::Value* work_per_unit();
  void emit_units(llvm::Value* begin, llvm::Value* end);
  // A Gemm in runs (reduce_runs > 1) after its partial products: rows
  // (group, i) [begin, end) of C from the partials, in run order.
  llvm::Value* run_sum_rows();
  llvm::Value* run_sum_work_per_row();
  void emit_run_sum(llvm::Value* begin, llvm::Value* end);

 private:
  // ---- small IR helpers ----
  llvm::IRBuilder<>& b() { return e_.builder(); }
  llvm::Value* i64(int64_t v) { return b().getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* min(llvm::Value* x, llvm::Value* y);
  llvm::Value* max(llvm::Value* x, llvm::Value* y);
  llvm::Value* ceil_div(llvm::Value* x, int64_t d);
  llvm::Value* at(llvm::Value* base, llvm::Value* index);  // &base[index] in elements of T
  llvm::Value* at_vector(llvm::Value* base, llvm::Value* index);  // &base[index] in vectors
  llvm::Value* lane_mask(llvm::Value* valid);               // lanes l < valid
  llvm::Value* zero_vector();
  void prefetch(llvm::Value* ptr, bool for_write = false);  // into every cache level
  // for (i = begin; i < end; ++i) body(i)
  void loop(llvm::Value* begin, llvm::Value* end, const char* name, const std::function<void(llvm::Value*)>& body);

  // ---- packing (gemm_pack.cpp) ----
  // Ap <- op(A)[i0 .. i0+mc, pc .. pc+kc] of matrix `sample`, group g.
  void pack_a(llvm::Value* sample, llvm::Value* g, llvm::Value* i0, llvm::Value* mc, llvm::Value* pc,
              llvm::Value* kc);
  // Bp <- op(B)[pc .. pc+kc, j0 .. j0+nc].
  void pack_b(llvm::Value* sample, llvm::Value* g, llvm::Value* j0, llvm::Value* nc, llvm::Value* pc,
              llvm::Value* kc);
  // fetch(k, lane0, valid): lanes [lane0, lane0+lanes) of row k of the panel,
  // lanes >= valid being 0. Stores each row k-major at dst + k*width.
  using RowFetch = std::function<llvm::Value*(llvm::Value* k, int64_t lane0, llvm::Value* valid)>;
  void pack_direct(llvm::Value* dst, llvm::Value* kc, int64_t width, llvm::Value* valid, const RowFetch& fetch);
  // fetch(row, k0, kvalid): op(X)[row, k0 .. k0+lanes) (0 past kvalid) for a
  // panel whose rows are contiguous along k; transposed in registers and
  // stored k-major. Writes up to lanes-1 rows of zeros past kc (the buffers
  // have the slack; the next panel overwrites them).
  using LaneFetch = std::function<llvm::Value*(llvm::Value* row, llvm::Value* k0, llvm::Value* kvalid)>;
  void pack_transposed(llvm::Value* dst, llvm::Value* kc, int64_t width, llvm::Value* valid, const LaneFetch& fetch);
  // One vector of a packed row at ptr (see gemm_pack.cpp: rows narrower than
  // a vector overlap the next).
  void store_panel_vector(llvm::Value* v, llvm::Value* ptr);
  // V[r, col0 .. col0+lanes) of the window operand at `image`, lanes >= valid being 0.
  llvm::Value* fetch_window(llvm::Value* image, llvm::Value* r, llvm::Value* col0, llvm::Value* valid);
  // Row r = (c, ky, kx) of the window: its channel and the tap's offsets
  // (ky * tap_scale + shift, likewise for x) from a grid position.
  struct WindowTap {
    llvm::Value* channel;
    llvm::Value* y;
    llvm::Value* x;
  };
  WindowTap window_tap(llvm::Value* r);
  // ---- flat windows (gemm_pack_flat.cpp) ----
  // fetch_window for a flat window: one masked load.
  llvm::Value* fetch_flat_window(llvm::Value* image, llvm::Value* r, llvm::Value* col0, llvm::Value* valid);
  // Bp <- V[pc .. pc+kc, col0 .. col0+valid) of a flat window, masks made once per panel.
  void pack_flat_window(llvm::Value* image, llvm::Value* dst, llvm::Value* col0, llvm::Value* valid,
                        llvm::Value* pc, llvm::Value* kc);

  // ---- micro-kernel and C update (gemm_micro_kernel.cpp) ----
  // The MR x NR tile from panels ap, bp over kc into the accumulators.
  void micro_kernel(llvm::Value* ap, llvm::Value* bp, llvm::Value* kc);
  // C[c_at + i*ldc + j] for i < m_rem, j < n_rem from the accumulators;
  // `first`: the first KC block (beta applies), else accumulate.
  void update_c(llvm::Value* c_at, llvm::Value* m_rem, llvm::Value* n_rem, llvm::Value* first);
  void update_c_rows(llvm::Value* c_at, llvm::Value* m_rem, llvm::Value* n_rem, bool first, bool full);
  // Asks for the cache lines of the tile's m_rem rows of C (for writing)
  // before the micro-kernel runs, so that its update does not wait on them.
  void prefetch_c_tile(llvm::Value* c_at, llvm::Value* m_rem);

  FunctionEmitter& e_;
  const Gemm& g_;
  const GemmBlocking bk_;
  llvm::Type* t_;         // element type
  llvm::VectorType* vt_;  // <lanes x T>
  int64_t elem_bytes_;
  // Sizes, evaluated in this function.
  llvm::Value *m_, *n_, *k_, *batch_, *lda_, *ldb_, *ldc_;
  llvm::Value *a_bs_, *b_bs_, *c_bs_, *a_gs_, *b_gs_, *c_gs_;
  llvm::Value *tiles_m_, *tiles_n_, *batch_units_;
  llvm::Value* run_length_;  // reduce_batch: samples per run
  // Per-task state (emit_units).
  llvm::Value *ap_ = nullptr, *bp_ = nullptr;
  std::vector<llvm::Value*> acc_;  // mr * nv accumulator slots, row-major
};

}  // namespace graphc::codegen::cpu
