// matmul: batched, either operand transposed on its last two axes, a rank-2
// b shared by every batch of a. Transposed operands are packed into
// contiguous A[M,K] / B[K,P] so that every product runs through gemm's
// cache-friendly loop.
#include "runtime/interpreter/kernels.h"

namespace graphc::runtime::interp {

HostTensor matmul(const Node& n, const HostTensor& a, const HostTensor& b) {
  HostTensor out(n.type.dtype, n.type.shape);
  const bool ta = n.b("transpose_a"), tb = n.b("transpose_b");
  const size_t ra = a.shape.rank(), rb = b.shape.rank();
  const int64_t M = out.shape[ra - 2], P = out.shape[ra - 1];
  const int64_t K = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const int64_t batches = out.numel() / (M * P);
  const bool b_shared = rb == 2;  // a rank-2 b multiplies every batch of a

  double* a_packed = ta ? scratch(Scratch::lhs, M * K) : nullptr;
  double* b_packed = tb ? scratch(Scratch::rhs, K * P) : nullptr;
  const double* B = nullptr;
  for (int64_t batch = 0; batch < batches; ++batch) {
    const double* A = a.data.data() + batch * M * K;
    if (ta) {
      transpose_into(A, K, M, a_packed);
      A = a_packed;
    }
    if (batch == 0 || !b_shared) {
      B = b.data.data() + (b_shared ? 0 : batch * K * P);
      if (tb) {
        transpose_into(B, P, K, b_packed);
        B = b_packed;
      }
    }
    gemm(A, B, out.data.data() + batch * M * P, M, K, P);
  }
  return out;
}

}  // namespace graphc::runtime::interp
