// A convolution's Gemm on tensor cores with its window gathered on the fly
// (implicit GEMM): the alternative to packing im2col matrices for cuBLAS,
// which writes and reads back nine times a 3x3 convolution's input per
// pass. The executor measures both on the GPU and runs the faster one
// (docs/cuda_backend.md, "Convolutions"); the function is
// `<kernel>_s<i>_implicit`, with the kernel's buffers and n as parameters.
//
// The product is one GEMM over every sample at once: without reduce_batch,
// C[M][BATCH * NC] = alpha * op(A)[M][K] V[K][BATCH * NC] + beta * C, column
// j of sample j / NC (A is shared: a convolution's weights); with
// reduce_batch (a weight gradient), C[M][NC] = alpha * op(A)[M][BATCH * K]
// V[BATCH * K][NC] + beta * C, row kk of sample kk / K. So small images
// (4 x 4 in a ResNet's last stage) still fill 64-wide tiles.
//
// Invariants:
// - 64 x 64 tiles of C, one per block of 128 threads (four warps of 32 x
//   32, each 2 x 2 WMMA fragments of m16n16k8 in TF32, f32 accumulators),
//   walked grid-stride by block: any grid is correct, and every thread of
//   a block reaches each __syncthreads (the loop bounds depend on blockIdx
//   only).
// - Each C element sums its K in ascending slices of 32 in a fixed order
//   whatever the grid; operands are rounded to TF32 (to nearest), as
//   cuBLAS's TF32 GEMMs are, or with the module's gc_tf32_split set (the
//   executor does for --precision fp32) each split into two TF32 parts
//   whose three largest products give f32's accuracy (3xTF32), at three
//   times the tensor-core work.
// - Out-of-range rows, columns and k load 0 (exact zeros in the sums); C
//   is not read when beta is 0.
// - Each thread gathers the next slice into registers before the tensor
//   cores run the current one from shared memory, so the loads' latency
//   hides behind the products.
#include <functional>

#include "codegen/cuda/cuda_emitter.h"
#include "codegen/cuda/cuda_emitter_internal.h"

namespace graphc::codegen::cuda::detail {

namespace {

constexpr int kTile = 64;       // rows and columns of C per block
constexpr int kSlice = 32;      // K per shared-memory stage
constexpr int kThreads = 128;   // four warps
constexpr int kPerThread = kTile * kSlice / kThreads;  // elements of each operand a thread gathers per slice

}  // namespace

bool implicit_gemm_applies(const Kernel& k, const Gemm& g) {
  if (!cublas_runs(k, g) || !(g.has_b_window || g.reduce_batch)) return false;
  // Folding the samples into the columns needs one A for all of them.
  if (!g.reduce_batch && !g.a_batch_stride.is_zero()) return false;
  return g.m.is_constant() && g.k.is_constant() && g.n_cols.is_constant();
}

std::vector<SizeExpr> implicit_gemm_work(const Gemm& g) {
  // tiles_m x tiles_n blocks of kThreads: tiles_n * kThreads = columns * 2.
  const SizeExpr columns = g.reduce_batch ? g.n_cols : g.n_cols * g.batch;
  return {g.groups, SizeExpr((g.m.constant + kTile - 1) / kTile), columns, SizeExpr(kThreads / kTile)};
}

int implicit_gemm_threads() { return kThreads; }

void write_implicit_gemm(const Gemm& g, std::ostringstream& out) {
  const std::string A = buffer_name(g.a), B = buffer_name(g.b), C = buffer_name(g.c);
  const bool reduce = g.reduce_batch;
  out << "  using namespace nvcuda;\n";
  out << "  const long long M = " << size_text(g.m) << ", NC = " << size_text(g.n_cols) << ", K = " << size_text(g.k)
      << ", BATCH = " << size_text(g.batch) << ";\n";
  out << "  const long long KK = " << (reduce ? "BATCH * K" : "K") << ", COLS = " << (reduce ? "NC" : "BATCH * NC")
      << ";\n";
  out << "  const long long tiles_m = (M + " << kTile - 1 << ") / " << kTile << ", tiles_n = (COLS + " << kTile - 1
      << ") / " << kTile << ";\n";
  out << "  const long long units = tiles_m * tiles_n * " << g.groups << "LL;\n";
  // Rows padded by 8 floats: every fragment starts 32-byte aligned, as load_matrix_sync requires.
  out << "  __shared__ __align__(32) float gc_as[" << kTile << "][" << kSlice + 8 << "];\n";
  out << "  __shared__ __align__(32) float gc_bs[" << kSlice << "][" << kTile + 8 << "];\n";
  out << "  __shared__ __align__(32) float gc_cs[" << kTile << "][" << kTile + 8 << "];\n";
  out << "  const int warp_row = (int)(threadIdx.x / 32) / 2 * 32, warp_col = (int)(threadIdx.x / 32) % 2 * 32;\n";
  // The thread's fixed places in the slices: A along its contiguous axis, B one column.
  if (!g.transpose_a)
    out << "  const int a_k = (int)(threadIdx.x % " << kSlice << "), a_row = (int)(threadIdx.x / " << kSlice
        << "), a_step = " << kThreads / kSlice << ";\n";
  else
    out << "  const int a_row = (int)(threadIdx.x % " << kTile << "), a_k = (int)(threadIdx.x / " << kTile
        << "), a_step = " << kThreads / kTile << ";\n";
  out << "  const int b_col = (int)(threadIdx.x % " << kTile << "), b_k = (int)(threadIdx.x / " << kTile
      << "), b_step = " << kThreads / kTile << ";\n";
  out << "  for (long long unit = blockIdx.x; unit < units; unit += gridDim.x) {\n";
  out << "    const long long rest = gc_div(unit, tiles_n), tn = unit - rest * tiles_n;\n";
  out << "    const long long group = gc_div(rest, tiles_m), tm = rest - group * tiles_m;\n";
  out << "    const long long row0 = tm * " << kTile << ", col0 = tn * " << kTile << ";\n";

  // The thread's B column, fixed over the K loop.
  out << "    const long long j = col0 + b_col;\n";
  out << "    const bool j_in = j < COLS;\n";
  if (!reduce) {
    out << "    const long long j_sample = gc_div(j, NC), j_c = j - j_sample * NC;\n";
    out << "    const float* const b_image = " << B << " + j_sample * " << size_text(g.b_batch_stride) << " + group * "
        << size_text(g.b_group_stride) << ";\n";
  } else {
    out << "    const long long j_c = j;\n";
  }
  if (g.has_b_window) {
    // The column's half of the window: its position (V's column), or its tap when B = V^T.
    if (!g.transpose_b)
      out << "    const gc_pos j_pos = " << window_pos_call(g.b_window, "j_c") << ";\n";
    else
      out << "    const gc_tap j_tap = " << window_tap_call(g.b_window, "j_c") << ";\n";
  }

  // op(A)[row][k] and op(B)[k][j] for a k of the reduction (kk: 0 .. KK).
  const auto a_value = [&]() {
    std::string base = "group * " + size_text(g.a_group_stride);
    std::string k = "kk";
    if (reduce) {
      out << "          const long long s = gc_div(kk, K), kl = kk - s * K;\n";
      base = "s * " + size_text(g.a_batch_stride) + " + " + base;
      k = "kl";
    }
    return A + "[" + base + " + " + (g.transpose_a ? k + " * " + size_text(g.lda) + " + row" : "row * " +
                                                      size_text(g.lda) + " + " + k) + "]";
  };
  const auto b_value = [&]() {
    std::string image = "b_image", k = "kk";
    if (reduce) {
      out << "          const long long s = gc_div(kk, K), kl = kk - s * K;\n";
      image = "(" + B + " + s * " + size_text(g.b_batch_stride) + " + group * " + size_text(g.b_group_stride) + ")";
      k = "kl";
    }
    if (g.has_b_window)
      return g.transpose_b ? window_at_call(g.b_window, image, "j_tap", window_pos_call(g.b_window, k))
                           : window_at_call(g.b_window, image, window_tap_call(g.b_window, k), "j_pos");
    return image + "[" + (g.transpose_b ? "j_c * " + size_text(g.ldb) + " + " + k : k + " * " + size_text(g.ldb) +
                                                                                         " + j_c") + "]";
  };

  // Gathers slice k0 into the registers.
  out << "    float a_next[" << kPerThread << "], b_next[" << kPerThread << "];\n";
  out << "    auto gather = [&](long long k0) {\n";
  out << "      for (int e = 0; e < " << kPerThread << "; ++e) {\n";
  // One operand's element e: its coordinates, then its value where they are in range, else 0.
  const auto gathered = [&](const std::string& coordinates, const std::string& into, const std::string& in_range,
                            const std::function<std::string()>& value) {
    out << "        {\n";
    out << "          const long long " << coordinates << ";\n";
    out << "          " << into << " = 0.0f;\n";
    out << "          if (" << in_range << ") {\n";
    const std::string v = value();  // may first write the coordinates it needs
    out << "            " << into << " = " << v << ";\n";
    out << "          }\n";
    out << "        }\n";
  };
  gathered(g.transpose_a ? "row = row0 + a_row, kk = k0 + a_k + e * a_step" : "row = row0 + a_row + e * a_step, kk = k0 + a_k",
           "a_next[e]", "row < M && kk < KK", a_value);
  gathered("kk = k0 + b_k + e * b_step", "b_next[e]", "j_in && kk < KK", b_value);
  out << "      }\n";
  out << "    };\n";

  out << "    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];\n";
  out << "    for (int x = 0; x < 2; ++x)\n";
  out << "      for (int y = 0; y < 2; ++y) wmma::fill_fragment(acc[x][y], 0.0f);\n";
  out << "    gather(0);\n";
  out << "    for (long long k0 = 0; k0 < KK; k0 += " << kSlice << ") {\n";
  out << "      for (int e = 0; e < " << kPerThread << "; ++e) {\n";
  if (!g.transpose_a)
    out << "        gc_as[a_row + e * a_step][a_k] = a_next[e];\n";
  else
    out << "        gc_as[a_row][a_k + e * a_step] = a_next[e];\n";
  out << "        gc_bs[b_k + e * b_step][b_col] = b_next[e];\n";
  out << "      }\n";
  out << "      __syncthreads();\n";
  out << "      if (k0 + " << kSlice << " < KK) gather(k0 + " << kSlice << ");\n";
  out << "      for (int ks = 0; ks < " << kSlice << "; ks += 8) {\n";
  out << "        wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa[2], fa_lo[2];\n";
  out << "        wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2], fb_lo[2];\n";
  out << "        for (int x = 0; x < 2; ++x) {\n";
  out << "          wmma::load_matrix_sync(fa[x], &gc_as[warp_row + 16 * x][ks], " << kSlice + 8 << ");\n";
  out << "          wmma::load_matrix_sync(fb[x], &gc_bs[ks][warp_col + 16 * x], " << kTile + 8 << ");\n";
  out << "        }\n";
  // 3xTF32: x = hi + lo, both TF32, and a b = hi hi + hi lo + lo hi to f32's accuracy (lo lo is below it).
  out << "        if (gc_tf32_split) {\n";
  out << "          for (int x = 0; x < 2; ++x) {\n";
  out << "            for (int t = 0; t < fa[x].num_elements; ++t) {\n";
  out << "              const float v = fa[x].x[t];\n";
  out << "              fa[x].x[t] = wmma::__float_to_tf32(v);\n";
  out << "              fa_lo[x].x[t] = wmma::__float_to_tf32(v - fa[x].x[t]);\n";
  out << "            }\n";
  out << "            for (int t = 0; t < fb[x].num_elements; ++t) {\n";
  out << "              const float v = fb[x].x[t];\n";
  out << "              fb[x].x[t] = wmma::__float_to_tf32(v);\n";
  out << "              fb_lo[x].x[t] = wmma::__float_to_tf32(v - fb[x].x[t]);\n";
  out << "            }\n";
  out << "          }\n";
  out << "          for (int x = 0; x < 2; ++x)\n";
  out << "            for (int y = 0; y < 2; ++y) {\n";
  out << "              wmma::mma_sync(acc[x][y], fa_lo[x], fb[y], acc[x][y]);\n";
  out << "              wmma::mma_sync(acc[x][y], fa[x], fb_lo[y], acc[x][y]);\n";
  out << "            }\n";
  out << "        } else {\n";
  out << "          for (int x = 0; x < 2; ++x) {\n";
  out << "            for (int t = 0; t < fa[x].num_elements; ++t) fa[x].x[t] = wmma::__float_to_tf32(fa[x].x[t]);\n";
  out << "            for (int t = 0; t < fb[x].num_elements; ++t) fb[x].x[t] = wmma::__float_to_tf32(fb[x].x[t]);\n";
  out << "          }\n";
  out << "        }\n";
  out << "        for (int x = 0; x < 2; ++x)\n";
  out << "          for (int y = 0; y < 2; ++y) wmma::mma_sync(acc[x][y], fa[x], fb[y], acc[x][y]);\n";
  out << "      }\n";
  out << "      __syncthreads();\n";
  out << "    }\n";
  out << "    for (int x = 0; x < 2; ++x)\n";
  out << "      for (int y = 0; y < 2; ++y)\n";
  out << "        wmma::store_matrix_sync(&gc_cs[warp_row + 16 * x][warp_col + 16 * y], acc[x][y], " << kTile + 8
      << ", wmma::mem_row_major);\n";
  out << "    __syncthreads();\n";
  // C, consecutive threads along a row of the tile (consecutive columns).
  out << "    for (int e = (int)threadIdx.x; e < " << kTile * kTile << "; e += " << kThreads << ") {\n";
  out << "      const int r = e / " << kTile << ", cc = e % " << kTile << ";\n";
  out << "      const long long row = row0 + r, col = col0 + cc;\n";
  out << "      if (row < M && col < COLS) {\n";
  if (!reduce) {
    out << "        const long long sample = gc_div(col, NC), c = col - sample * NC;\n";
    out << "        const long long at = sample * " << size_text(g.c_batch_stride) << " + group * "
        << size_text(g.c_group_stride) << " + row * " << size_text(g.ldc) << " + c;\n";
  } else {
    out << "        const long long at = group * " << size_text(g.c_group_stride) << " + row * " << size_text(g.ldc)
        << " + col;\n";
  }
  std::string value = "gc_cs[r][cc]";
  if (g.alpha != 1) value = gemm_number(g.alpha, DType::f32) + " * " + value;
  if (g.beta != 0) value += " + " + (g.beta != 1 ? gemm_number(g.beta, DType::f32) + " * " : std::string()) + C + "[at]";
  out << "        " << C << "[at] = " << value << ";\n";
  out << "      }\n";
  out << "    }\n";
  out << "    __syncthreads();\n";
  out << "  }\n";
}

}  // namespace graphc::codegen::cuda::detail
