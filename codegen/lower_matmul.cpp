// matmul as a Gemm statement: the contraction stays one special form so each
// emitter can implement it with its best strategy (a blocked micro-kernel on
// the CPU, cuBLAS on the GPU). An epilogue in the same group is an ordinary
// nest that reads the Gemm's result from its buffer.
#include "codegen/lowering_context.h"
#include "ir/error.h"

namespace graphc::codegen::lowering {

// Shapes (row-major; "..." the batch axes, equal for a and b unless b is rank 2):
//   a[..., M, K] (or [..., K, M] with transpose_a), b[..., K, P] (or [..., P, K]),
//   out[..., M, P].
void lower_matmul(Context& ctx, ValueId v) {
  const Graph& g = ctx.graph();
  const Node& n = g.node(v);
  const Shape &a = g.type(n.operands[0]).shape, &b = g.type(n.operands[1]).shape, &out = n.type.shape;
  const size_t ra = a.rank(), rb = b.rank(), ro = out.rank();
  Gemm gemm;
  gemm.a = ctx.buffer_of(n.operands[0]);
  gemm.b = ctx.buffer_of(n.operands[1]);
  GRAPHC_ASSERT(gemm.a >= 0 && gemm.b >= 0, "matmul operands must be in buffers");
  gemm.c = ctx.materialise_into(v);
  gemm.transpose_a = n.b("transpose_a");
  gemm.transpose_b = n.b("transpose_b");
  gemm.m = dim_size(out[ro - 2]);
  gemm.n_cols = dim_size(out[ro - 1]);
  gemm.k = dim_size(gemm.transpose_a ? a[ra - 2] : a[ra - 1]);
  gemm.lda = dim_size(a[ra - 1]);
  gemm.ldb = dim_size(b[rb - 1]);
  gemm.ldc = gemm.n_cols;
  gemm.batch = SizeExpr(1);
  for (size_t i = 0; i + 2 < ra; ++i) gemm.batch = gemm.batch * dim_size(a[i]);
  gemm.a_batch_stride = dim_size(a[ra - 2]) * dim_size(a[ra - 1]);
  gemm.b_batch_stride = rb == 2 ? SizeExpr(0) : dim_size(b[rb - 2]) * dim_size(b[rb - 1]);
  gemm.c_batch_stride = gemm.m * gemm.n_cols;
  // A rank-2 b against a batched, untransposed a: the samples' rows of a and
  // of out are contiguous, so the batch folds into M (one bigger GEMM whose
  // B is packed once per block instead of once per sample).
  if (rb == 2 && !gemm.transpose_a && !(gemm.batch == SizeExpr(1))) {
    gemm.m = gemm.batch * gemm.m;
    gemm.batch = SizeExpr(1);
  }
  ctx.kernel().body.push_back(make_gemm(gemm));
}

}  // namespace graphc::codegen::lowering
