// The one matrix-multiply loop nest behind matmul and the convolutions
// (through im2col), and the per-thread scratch they pack operands into.
// Contractions are nearly all of the interpreter's time (an MNIST MLP step is
// ~40M multiply-adds), so this loop is ordered for contiguous, vectorisable
// inner access: i-k-j over blocks of four rows of C.
#include <vector>

#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

void gemm(const double* A, const double* B, double* C, int64_t M, int64_t K, int64_t P) {
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) {
    double* __restrict c0 = C + i * P;
    double* __restrict c1 = c0 + P;
    double* __restrict c2 = c1 + P;
    double* __restrict c3 = c2 + P;
    const double* a = A + i * K;
    for (int64_t k = 0; k < K; ++k) {
      const double* __restrict b = B + k * P;
      const double x0 = a[k], x1 = a[K + k], x2 = a[2 * K + k], x3 = a[3 * K + k];
      for (int64_t j = 0; j < P; ++j) {
        c0[j] += x0 * b[j];
        c1[j] += x1 * b[j];
        c2[j] += x2 * b[j];
        c3[j] += x3 * b[j];
      }
    }
  }
  for (; i < M; ++i) {
    double* __restrict c = C + i * P;
    for (int64_t k = 0; k < K; ++k) {
      const double* __restrict b = B + k * P;
      const double x = A[i * K + k];
      for (int64_t j = 0; j < P; ++j) c[j] += x * b[j];
    }
  }
}

void transpose_into(const double* src, int64_t rows, int64_t cols, double* dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
}

double* scratch(Scratch slot, int64_t count) {
  // Fresh multi-megabyte buffers every training step cost more in page
  // faults than the packing itself, so each slot keeps its high-water mark.
  thread_local std::vector<double> buffers[kScratchSlots];
  std::vector<double>& b = buffers[static_cast<int>(slot)];
  if (b.size() < static_cast<size_t>(count)) b.resize(static_cast<size_t>(count));
  return b.data();
}

}  // namespace graphc::runtime::interp
