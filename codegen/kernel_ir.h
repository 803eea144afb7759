// The kernel IR: one loop-level program per fused group, lowered once and
// read by every emitter (LLVM for the CPU here, CUDA C later), so that the
// meaning of a fused group is decided in exactly one place.
//
// Design (see docs/kernel_ir.md for the long form):
// - N stays a run-time value. Every kernel takes `n` (the batch size) as an
//   argument; sizes, strides and loop extents are `SizeExpr`s, constant +
//   per_n * n. Since N appears at most once in a shape, a stride is never a
//   multiple of n*n, so this is closed under everything lowering needs.
// - Indices are affine in the loop variables: offset + sum(coeff_i * var_i),
//   with SizeExpr offset and coefficients. Broadcasting is a zero
//   coefficient, transpose a permutation of coefficients, slice a scaled
//   coefficient plus an offset. Emitters see the stride along the innermost
//   loop directly, which is what vectorisation and coalescing need.
// - Buffers are the kernel's parameters: the group's inputs, its outputs, and
//   scratch for values a group materialises internally (the caller provides
//   all three; sizes are SizeExprs in elements). Element types are the IR's
//   DTypes; booleans are stored as one byte holding 0 or 1.
// - Scalars are mutable registers with a dtype (Let assigns, Accumulate
//   folds). Reductions accumulate in the element type in a fixed sequential
//   order per output element, so results are deterministic by construction.
// - Elementwise math reuses OpKind (the op table) instead of a second enum.
// - Special forms: Gemm (C = alpha * op(A) op(B) + beta * C, batched); each
//   emitter implements it with its best strategy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/op.h"

namespace graphc::codegen {

// constant + per_n * n, n being the run-time batch size.
struct SizeExpr {
  int64_t constant = 0;
  int64_t per_n = 0;

  SizeExpr() = default;
  SizeExpr(int64_t c) : constant(c) {}  // NOLINT: a plain number is a size
  SizeExpr(int64_t c, int64_t pn) : constant(c), per_n(pn) {}
  static SizeExpr batch() { return {0, 1}; }

  bool is_zero() const { return constant == 0 && per_n == 0; }
  bool is_constant() const { return per_n == 0; }
  int64_t at(int64_t n) const { return constant + per_n * n; }
  bool operator==(const SizeExpr&) const = default;
  std::string str() const;  // "3", "n", "784*n", "2*n+1"
};
SizeExpr operator+(const SizeExpr& a, const SizeExpr& b);
// At most one side may depend on n (asserted).
SizeExpr operator*(const SizeExpr& a, const SizeExpr& b);

using VarId = int32_t;     // a loop variable, unique within a kernel
using BufferId = int32_t;  // index into Kernel::buffers
using ScalarId = int32_t;  // index into Kernel::scalars

// offset + sum(coeff * var): the element index into a buffer.
struct AffineIndex {
  struct Term {
    VarId var;
    SizeExpr coeff;
    bool operator==(const Term&) const = default;
  };
  SizeExpr offset;
  std::vector<Term> terms;  // no zero coefficients, at most one term per var

  static AffineIndex of_var(VarId v) { return {SizeExpr(0), {{v, SizeExpr(1)}}}; }
  AffineIndex& add(VarId v, const SizeExpr& coeff);  // merges with an existing term
  AffineIndex scaled(const SizeExpr& factor) const;
  bool operator==(const AffineIndex&) const = default;
  std::string str() const;
};
AffineIndex operator+(const AffineIndex& a, const AffineIndex& b);

enum class ExprKind {
  constant,    // value, in dtype
  batch_size,  // n converted to dtype
  loop_index,  // the loop variable `var` as dtype
  load,        // buffers[buffer][index]
  scalar,      // the current value of scalars[scalar]
  op,          // an elementwise OpKind over operands (not cast: see below)
  cast,        // operands[0] converted to dtype (bool -> 0/1, float -> int truncates)
  // operands {seed, stream, counter}, all i64; the i64 value m in [0, 2^24)
  // of runtime::philox_uniform(seed, stream, counter) = m / 2^24, i.e.
  // philox4x32(counter, stream; seed)[0] >> 8 (runtime/philox.h, bit for bit).
  philox,
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  ExprKind kind = ExprKind::constant;
  DType dtype = DType::f32;  // the result type (comparisons give boolean)
  double value = 0;          // constant
  VarId var = -1;            // loop_index
  BufferId buffer = -1;      // load
  AffineIndex index;         // load
  ScalarId scalar = -1;      // scalar
  OpKind op = OpKind::add;   // op: an elementwise op of the op table
  std::vector<ExprPtr> operands;
};

ExprPtr make_constant(double value, DType dtype);
ExprPtr make_batch_size(DType dtype);
ExprPtr make_loop_index(VarId var, DType dtype);
ExprPtr make_load(BufferId buffer, AffineIndex index, DType dtype);
ExprPtr make_scalar(ScalarId scalar, DType dtype);
// An elementwise op; `dtype` is the op's result type as shape inference gives it.
ExprPtr make_op(OpKind op, std::vector<ExprPtr> operands, DType dtype);
ExprPtr make_cast(ExprPtr x, DType to);
ExprPtr make_philox(ExprPtr seed, ExprPtr stream, ExprPtr counter);

// A Gemm operand read through a convolution window instead of a matrix: the
// implicit im2col matrix V[r, col], r = (c, ky, kx) over channels x kernel_h
// x kernel_w, col = (gy, gx) over grid_h x grid_w, is
//   image[c*image_h*image_w + (y/s_y)*image_w + x/s_x]  (image at the operand's base)
// with, per axis, y = gy*grid_scale + ky*tap_scale + shift and s = divisor,
// and 0 unless y is a multiple of s and y/s lies inside the image. So conv2d
// reads its input (grid = output positions, scale = stride, tap scale =
// dilation, shift = -padding, divisor 1) and conv2d_grad_input reads dy as a
// transposed convolution (grid = input positions, scale 1, tap scale =
// -dilation, shift = padding, divisor = stride). Nothing is materialised: the
// emitter gathers V straight from the image while packing.
struct GemmWindow {
  struct Axis {
    int64_t grid_scale = 1, tap_scale = 1, shift = 0, divisor = 1;
    bool operator==(const Axis&) const = default;
  };
  int64_t channels = 0, kernel_h = 1, kernel_w = 1;  // rows of V: channels*kernel_h*kernel_w
  int64_t grid_h = 1, grid_w = 1;                     // columns of V: grid_h*grid_w
  int64_t image_h = 1, image_w = 1;                   // one channel plane of the image
  Axis y, x;
  int64_t rows() const { return channels * kernel_h * kernel_w; }
  int64_t cols() const { return grid_h * grid_w; }
  bool operator==(const GemmWindow&) const = default;
};

// C[b,g] = alpha * op(A[b,g]) @ op(B[b,g]) + beta * C[b,g] for b < batch and
// g < groups, with op(X) = X or X^T. Row-major: A[b,g] starts at
// b*a_batch_stride + g*a_group_stride and holds op(A) as M x K (K x M when
// transposed) with row stride lda; same for B (K x N_cols) and C (M x N_cols,
// row stride ldc). A batch stride of 0 reuses the same matrix (a rank-2
// weight against a batched activation).
// reduce_batch: C[g] = alpha * sum_b op(A[b,g]) @ op(B[b,g]) + beta * C[g],
// the batch being one more contracted axis (a weight gradient), summed in
// ascending b (c_batch_stride unused).
// reduce_runs R > 1 (with reduce_batch): the samples are cut into R runs of
// ceil(batch / R) consecutive samples (the last runs shorter or empty); each
// run's ascending sum is a partial product of its own, and C = alpha * (the
// partials added in ascending run order) + beta * C. The runs are how a CPU
// splits a weight gradient over threads without repacking its operands per
// thread, and R depends on shapes alone, so the bits depend on no thread
// count. `partials` is scratch for R * groups * M * N_cols elements, which an
// emitter may use (the CPU's runs keep theirs there). The CUDA emitter sums
// every sample in ascending order instead (its own fixed order, see
// docs/kernel_ir.md).
// b_window: B is V of the window (V^T when transpose_b), ldb unused.
struct Gemm {
  BufferId a = -1, b = -1, c = -1;
  SizeExpr m, n_cols, k;
  SizeExpr lda, ldb, ldc;
  bool transpose_a = false, transpose_b = false;
  double alpha = 1, beta = 0;
  SizeExpr batch = 1;
  SizeExpr a_batch_stride, b_batch_stride, c_batch_stride;
  int64_t groups = 1;
  SizeExpr a_group_stride, b_group_stride, c_group_stride;
  bool reduce_batch = false;
  int64_t reduce_runs = 1;
  BufferId partials = -1;
  bool has_b_window = false;
  GemmWindow b_window;
};

enum class StmtKind {
  loop,        // for var in [0, extent): body
  store,       // buffers[buffer][index] = value
  let,         // scalars[scalar] = value
  accumulate,  // scalars[scalar] = combine(scalars[scalar], value)
  gemm,
  // if value (boolean) holds: body. What body reads is read only then, so a
  // guarded load may name an index outside its buffer when value is false
  // (padding, window edges); body's Lets assign registers set before it.
  if_then,
};

// How Accumulate folds. max keeps the first NaN it meets, like the
// interpreter (a NaN beats any number; nothing beats a NaN).
enum class Combine { sum, max };

struct Stmt {
  StmtKind kind = StmtKind::store;
  // loop
  VarId var = -1;
  SizeExpr extent;
  bool parallel = false;   // iterations are independent (outer loops may be split across threads)
  bool vectorize = false;  // innermost, unit-stride: a hint for the emitter
  std::vector<Stmt> body;  // loop, if_then
  // store
  BufferId buffer = -1;
  AffineIndex index;
  // store, let, accumulate; the condition of if_then
  ExprPtr value;
  ScalarId scalar = -1;
  Combine combine = Combine::sum;
  // gemm
  Gemm gemm;
};

Stmt make_loop(VarId var, SizeExpr extent, std::vector<Stmt> body, bool parallel = false, bool vectorize = false);
Stmt make_store(BufferId buffer, AffineIndex index, ExprPtr value);
Stmt make_let(ScalarId scalar, ExprPtr value);
Stmt make_accumulate(ScalarId scalar, Combine combine, ExprPtr value);
Stmt make_gemm(Gemm g);
Stmt make_if(ExprPtr condition, std::vector<Stmt> body);

enum class BufferRole { input, output, scratch };

struct Buffer {
  std::string name;  // "%7" or a scratch name, for printing
  DType dtype = DType::f32;
  SizeExpr elements;  // element count, as a function of n
  BufferRole role = BufferRole::input;
  int32_t value = -1;  // the graph ValueId it holds (-1 for scratch)
};

struct Kernel {
  std::string name;
  std::vector<Buffer> buffers;  // the calling convention: emitters take them in this order
  std::vector<DType> scalars;   // one register per ScalarId
  int32_t loop_vars = 0;        // VarIds are 0 .. loop_vars-1
  std::vector<Stmt> body;
  // Some output is stored over an input's bytes (the memory plan's in-place
  // reuse): element i of the input is read before element i of the output
  // is written, and never after, so an emitter must not run an iteration
  // twice. Buffers are otherwise disjoint.
  bool writes_in_place = false;
  // What the fused group computes (passes::summarize_group), for listings,
  // the CUDA source's comments and profiles; compile_cpu sets it.
  std::string what;

  BufferId add_buffer(Buffer b);
  ScalarId add_scalar(DType t);
  VarId new_var() { return loop_vars++; }
};

// Human-readable text of a kernel, for tests and debugging dumps.
std::string print_kernel(const Kernel& k);

}  // namespace graphc::codegen
