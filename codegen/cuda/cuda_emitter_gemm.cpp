// The Gemm special form as a plain tiled CUDA GEMM: 16 x 16 tiles of C, one
// thread per element (256 threads), op(A) and op(B) staged through shared
// memory one 16-wide slice of K at a time. It is the correct-everywhere
// fallback; cuBLAS takes the plain cases in the executor.
//
// Invariants:
// - Work units (one tile of C for one group and sample) are walked
//   grid-stride by block, so any grid is correct; the loop bound depends on
//   blockIdx only, so every thread of a block reaches each __syncthreads.
// - Each C element sums in a fixed order: ascending sample (reduce_batch),
//   then ascending k. Padding lanes load 0 on both sides, which adds exact
//   zeros. C is not read when beta is 0 (it may hold anything).
// - Transposed operands are loaded with the thread's x along their
//   contiguous axis (coalesced) and stored transposed into the tile.
// - A window operand is read through gc_window_at (the prelude), the index math
//   of codegen/cpu/gemm_pack.cpp's fetch_window.
#include <cstdio>

#include "codegen/cuda/cuda_emitter.h"
#include "codegen/cuda/cuda_emitter_internal.h"
#include "ir/error.h"

namespace graphc::codegen::cuda::detail {

// Exact: hexadecimal (alpha and beta are finite).
std::string gemm_number(double v, DType t) {
  char text[64];
  if (t == DType::f32)
    std::snprintf(text, sizeof text, "%af", static_cast<double>(static_cast<float>(v)));
  else
    std::snprintf(text, sizeof text, "%a", v);
  return text;
}

namespace {

std::string window_call(const Gemm& g, const std::string& r, const std::string& col) {
  const GemmWindow& w = g.b_window;
  return window_at_call(w, buffer_name(g.b) + " + b_base", window_tap_call(w, r), window_pos_call(w, col));
}

std::string ll(int64_t v) { return std::to_string(v) + "LL"; }

}  // namespace

std::string window_tap_call(const GemmWindow& w, const std::string& r) {
  return "gc_window_tap(" + r + ", " + ll(w.kernel_h) + ", " + ll(w.kernel_w) + ", " + ll(w.image_h) + ", " +
         ll(w.image_w) + ", " + ll(w.y.tap_scale) + ", " + ll(w.x.tap_scale) + ")";
}

std::string window_pos_call(const GemmWindow& w, const std::string& col) {
  return "gc_window_pos(" + col + ", " + ll(w.grid_w) + ", " + ll(w.y.grid_scale) + ", " + ll(w.y.shift) + ", " +
         ll(w.x.grid_scale) + ", " + ll(w.x.shift) + ")";
}

std::string window_at_call(const GemmWindow& w, const std::string& image, const std::string& tap,
                           const std::string& pos) {
  return "gc_window_at(" + image + ", " + tap + ", " + pos + ", " + ll(w.image_h) + ", " + ll(w.image_w) + ", " +
         ll(w.y.divisor) + ", " + ll(w.x.divisor) + ")";
}

void write_gemm(const Kernel& kernel, const Gemm& g, std::ostringstream& out) {
  const DType t = kernel.buffers[static_cast<size_t>(g.c)].dtype;
  GRAPHC_ASSERT(t == DType::f32 || t == DType::f64, "the CUDA Gemm supports f32 and f64, not ", dtype_name(t));
  for (BufferId operand : {g.a, g.b})
    GRAPHC_ASSERT(kernel.buffers[static_cast<size_t>(operand)].dtype == t, "gemm operands of mixed types");
  GRAPHC_ASSERT(g.groups >= 1, "a Gemm needs at least one group");
  const std::string T = memory_type(t);
  const std::string A = buffer_name(g.a), B = buffer_name(g.b), C = buffer_name(g.c);
  const std::string zero = gemm_number(0, t);

  out << "  const long long M = " << size_text(g.m) << ", NC = " << size_text(g.n_cols) << ", K = " << size_text(g.k)
      << ", BATCH = " << size_text(g.batch) << ";\n";
  out << "  const long long tiles_m = (M + 15) / 16, tiles_n = (NC + 15) / 16;\n";
  // Units: tiles x groups x samples (reduce_batch: the samples are summed inside a unit).
  out << "  const long long units = tiles_m * tiles_n * " << g.groups << "LL" << (g.reduce_batch ? "" : " * BATCH")
      << ";\n";
  out << "  __shared__ " << T << " a_tile[16][17];\n";
  out << "  __shared__ " << T << " b_tile[16][17];\n";
  out << "  const int tx = (int)(threadIdx.x % 16), ty = (int)(threadIdx.x / 16);\n";
  out << "  for (long long unit = blockIdx.x; unit < units; unit += gridDim.x) {\n";
  out << "    const long long tn = unit % tiles_n, tm = (unit / tiles_n) % tiles_m;\n";
  out << "    const long long group = (unit / (tiles_n * tiles_m)) % " << g.groups << "LL;\n";
  out << "    const long long row0 = tm * 16, col0 = tn * 16;\n";
  out << "    " << T << " acc = " << zero << ";\n";
  if (g.reduce_batch) {
    out << "    for (long long sample = 0; sample < BATCH; ++sample) {\n";
  } else {
    out << "    {\n";
    out << "      const long long sample = unit / (tiles_n * tiles_m * " << g.groups << "LL);\n";
  }
  out << "      const long long a_base = sample * " << size_text(g.a_batch_stride) << " + group * "
      << size_text(g.a_group_stride) << ";\n";
  out << "      const long long b_base = sample * " << size_text(g.b_batch_stride) << " + group * "
      << size_text(g.b_group_stride) << ";\n";
  out << "      for (long long k0 = 0; k0 < K; k0 += 16) {\n";
  // op(A)[row][k]: A is M x K (row stride lda), or K x M when transposed.
  if (!g.transpose_a) {
    out << "        { const long long r = row0 + ty, k = k0 + tx;\n";
    out << "          a_tile[ty][tx] = (r < M && k < K) ? " << A << "[a_base + r * " << size_text(g.lda) << " + k] : "
        << zero << "; }\n";
  } else {
    out << "        { const long long r = row0 + tx, k = k0 + ty;\n";
    out << "          a_tile[tx][ty] = (r < M && k < K) ? " << A << "[a_base + k * " << size_text(g.lda) << " + r] : "
        << zero << "; }\n";
  }
  // op(B)[k][col]: B is K x NC, or NC x K when transposed; a window is V (K x NC) or V^T.
  if (!g.transpose_b) {
    const std::string at = g.has_b_window ? window_call(g, "k", "c")
                                          : B + "[b_base + k * " + size_text(g.ldb) + " + c]";
    out << "        { const long long k = k0 + ty, c = col0 + tx;\n";
    out << "          b_tile[ty][tx] = (k < K && c < NC) ? " << at << " : " << zero << "; }\n";
  } else {
    const std::string at = g.has_b_window ? window_call(g, "c", "k")
                                          : B + "[b_base + c * " + size_text(g.ldb) + " + k]";
    out << "        { const long long k = k0 + tx, c = col0 + ty;\n";
    out << "          b_tile[tx][ty] = (k < K && c < NC) ? " << at << " : " << zero << "; }\n";
  }
  out << "        __syncthreads();\n";
  out << "        for (int kk = 0; kk < 16; ++kk) acc += a_tile[ty][kk] * b_tile[kk][tx];\n";
  out << "        __syncthreads();\n";
  out << "      }\n";
  out << "    }\n";
  // C update: C = alpha * acc + beta * C, C unread when beta is 0.
  out << "    const long long r = row0 + ty, c = col0 + tx;\n";
  out << "    if (r < M && c < NC) {\n";
  std::string c_at = std::string("group * ") + size_text(g.c_group_stride) + " + r * " + size_text(g.ldc) + " + c";
  if (!g.reduce_batch)
    c_at = std::string("unit / (tiles_n * tiles_m * ") + std::to_string(g.groups) + "LL) * " + size_text(g.c_batch_stride) +
           std::string(" + ") + c_at;
  out << "      const long long at = " << c_at << ";\n";
  std::string value = g.alpha == 1 ? std::string("acc") : gemm_number(g.alpha, t) + " * acc";
  if (g.beta != 0) {
    value += " + ";
    if (g.beta != 1) value += gemm_number(g.beta, t) + " * ";
    value += C + "[at]";
  }
  out << "      " << C << "[at] = " << value << ";\n";
  out << "    }\n";
  out << "  }\n";
}

// The grid-stride loop over `total` packed elements, `decompose` naming
// each element's coordinates, then its value stored at gc_pack[t].
void write_pack_loop(const std::string& total, const std::string& decompose, const std::string& base,
                     const std::string& value, std::ostringstream& out) {
  out << "  const long long total = " << total << ";\n";
  out << "  for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < total;"
         " t += (long long)gridDim.x * blockDim.x) {\n";
  out << "    " << decompose << "\n";
  out << "    " << base << "\n";
  out << "    gc_pack[t] = " << value << ";\n";
  out << "  }\n";
}

void write_pack_a(const Gemm& g, std::ostringstream& out) {
  out << "  const long long M = " << size_text(g.m) << ", K = " << size_text(g.k) << ", BATCH = " << size_text(g.batch)
      << ";\n";
  const std::string A = buffer_name(g.a);
  const std::string at = g.transpose_a ? "k * " + size_text(g.lda) + " + r" : "r * " + size_text(g.lda) + " + k";
  // t = ((group * M + r) * BATCH + sample) * K + k, one division per coordinate.
  const std::string rows = "const long long q = gc_div(t, K), k = t - q * K, rs = gc_div(q, BATCH), sample = q - rs * BATCH";
  write_pack_loop(cat(g.groups, "LL * M * BATCH * K"),
                  rows + (g.groups == 1 ? ", r = rs, group = 0;" : ", group = gc_div(rs, M), r = rs - group * M;"),
                  cat("const long long a_base = sample * ", size_text(g.a_batch_stride), " + group * ",
                      size_text(g.a_group_stride), ";"),
                  A + "[a_base + " + at + "]", out);
}

void write_pack_b(const Gemm& g, std::ostringstream& out) {
  out << "  const long long NC = " << size_text(g.n_cols) << ", K = " << size_text(g.k)
      << ", BATCH = " << size_text(g.batch) << ";\n";
  std::string value;
  if (g.has_b_window)
    value = g.transpose_b ? window_call(g, "c", "k") : window_call(g, "k", "c");
  else
    value = buffer_name(g.b) + "[b_base + " +
            (g.transpose_b ? "c * " + size_text(g.ldb) + " + k" : "k * " + size_text(g.ldb) + " + c") + "]";
  // t = ((group * BATCH + sample) * K + k) * NC + c, one division per coordinate.
  const std::string columns = "const long long q = gc_div(t, NC), c = t - q * NC, ss = gc_div(q, K), k = q - ss * K";
  write_pack_loop(cat(g.groups, "LL * BATCH * K * NC"),
                  columns + (g.groups == 1 ? ", sample = ss, group = 0;"
                                           : ", group = gc_div(ss, BATCH), sample = ss - group * BATCH;"),
                  cat("const long long b_base = sample * ", size_text(g.b_batch_stride), " + group * ",
                      size_text(g.b_group_stride), ";"),
                  value, out);
}

}  // namespace graphc::codegen::cuda::detail

namespace graphc::codegen::cuda {

bool cublas_runs(const Kernel& k, const Gemm& g) {
  for (BufferId b : {g.a, g.b, g.c})
    if (k.buffers[static_cast<size_t>(b)].dtype != DType::f32) return false;
  return true;
}

}  // namespace graphc::codegen::cuda
