// Packing of the GEMM operands into k-major panels the micro-kernel streams:
// Ap holds MR-row panels (element (i, k) of a panel at k*MR + i), Bp holds
// NR-column panels (element (k, j) at k*NR + j); rows and columns past the
// matrix edge are zeros.
//
// Two shapes of source: a panel whose rows of op(X) are contiguous along its
// lanes (B, A^T: copied vector by vector, pack_direct), and one whose lanes
// are contiguous along k (A, B^T, a window read as V^T: loaded along k and
// transposed in registers, pack_transposed). A window operand (the implicit
// im2col of a convolution) is gathered straight from the image: a vector of
// V that stays inside one row of the grid at unit stride is one masked load,
// anything else a gather; flat windows (gemm_pack_flat.cpp) take one masked
// load per vector.
#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/gemm_codegen.h"

namespace graphc::codegen::cpu {

namespace {
llvm::Value* masked_load(llvm::IRBuilder<>& b, llvm::Type* vt, llvm::Value* ptr, llvm::Align align,
                         llvm::Value* mask) {
  return b.CreateMaskedLoad(vt, ptr, align, mask, llvm::Constant::getNullValue(vt));
}
}  // namespace

void GemmEmitter::pack_a(llvm::Value* sample, llvm::Value* g, llvm::Value* i0, llvm::Value* mc, llvm::Value* pc,
                         llvm::Value* kc) {
  llvm::Value* matrix = at(e_.buffer_pointer(g_.a), b().CreateAdd(b().CreateMul(sample, a_bs_), b().CreateMul(g, a_gs_)));
  const llvm::Align align(static_cast<uint64_t>(elem_bytes_));
  loop(i64(0), ceil_div(mc, bk_.mr), "gemm.pack_a", [&](llvm::Value* p) {
    llvm::Value* row0 = b().CreateMul(p, i64(bk_.mr));
    llvm::Value* rows = min(i64(bk_.mr), b().CreateSub(mc, row0));
    llvm::Value* dst = at(ap_, b().CreateMul(row0, kc));
    row0 = b().CreateAdd(i0, row0);
    if (g_.transpose_a) {  // A is K x M: a row of op(A)'s panel is contiguous
      pack_direct(dst, kc, bk_.mr, rows, [&](llvm::Value* k, int64_t lane0, llvm::Value* valid) {
        llvm::Value* at_k = b().CreateAdd(b().CreateMul(b().CreateAdd(pc, k), lda_), b().CreateAdd(row0, i64(lane0)));
        return masked_load(b(), vt_, at(matrix, at_k), align, lane_mask(valid));
      });
    } else {  // A is M x K: each row of the panel is contiguous along k
      pack_transposed(dst, kc, bk_.mr, rows, [&](llvm::Value* row, llvm::Value* k0, llvm::Value* kvalid) {
        llvm::Value* at_row = b().CreateAdd(b().CreateMul(b().CreateAdd(row0, row), lda_), b().CreateAdd(pc, k0));
        return masked_load(b(), vt_, at(matrix, at_row), align, lane_mask(kvalid));
      });
    }
  });
}

void GemmEmitter::pack_b(llvm::Value* sample, llvm::Value* g, llvm::Value* j0, llvm::Value* nc, llvm::Value* pc,
                         llvm::Value* kc) {
  llvm::Value* matrix = at(e_.buffer_pointer(g_.b), b().CreateAdd(b().CreateMul(sample, b_bs_), b().CreateMul(g, b_gs_)));
  const llvm::Align align(static_cast<uint64_t>(elem_bytes_));
  const int64_t nr = bk_.nr();
  loop(i64(0), ceil_div(nc, nr), "gemm.pack_b", [&](llvm::Value* q) {
    llvm::Value* col0 = b().CreateMul(q, i64(nr));
    llvm::Value* cols = min(i64(nr), b().CreateSub(nc, col0));
    llvm::Value* dst = at(bp_, b().CreateMul(col0, kc));
    col0 = b().CreateAdd(j0, col0);
    if (g_.has_b_window && !g_.transpose_b && is_flat(g_.b_window)) {
      pack_flat_window(matrix, dst, col0, cols, pc, kc);
    } else if (g_.has_b_window && !g_.transpose_b) {  // op(B) = V: rows are taps, lanes are grid positions
      pack_direct(dst, kc, nr, cols, [&](llvm::Value* k, int64_t lane0, llvm::Value* valid) {
        return fetch_window(matrix, b().CreateAdd(pc, k), b().CreateAdd(col0, i64(lane0)), valid);
      });
    } else if (g_.has_b_window) {  // op(B) = V^T: lanes are taps, k runs along grid positions
      pack_transposed(dst, kc, nr, cols, [&](llvm::Value* col, llvm::Value* k0, llvm::Value* kvalid) {
        return fetch_window(matrix, b().CreateAdd(col0, col), b().CreateAdd(pc, k0), kvalid);
      });
    } else if (!g_.transpose_b) {  // B is K x N
      pack_direct(dst, kc, nr, cols, [&](llvm::Value* k, int64_t lane0, llvm::Value* valid) {
        llvm::Value* at_k = b().CreateAdd(b().CreateMul(b().CreateAdd(pc, k), ldb_), b().CreateAdd(col0, i64(lane0)));
        return masked_load(b(), vt_, at(matrix, at_k), align, lane_mask(valid));
      });
    } else {  // B is N x K
      pack_transposed(dst, kc, nr, cols, [&](llvm::Value* col, llvm::Value* k0, llvm::Value* kvalid) {
        llvm::Value* at_col = b().CreateAdd(b().CreateMul(b().CreateAdd(col0, col), ldb_), b().CreateAdd(pc, k0));
        return masked_load(b(), vt_, at(matrix, at_col), align, lane_mask(kvalid));
      });
    }
  });
}

// A row of a panel narrower than its last vector is stored as a whole
// vector: the next row, stored after it, overwrites the excess, and the
// buffers have a vector of slack past the last panel. AVX2's masked store
// costs many times a plain one (half of lenet's fc1 went into them).
void GemmEmitter::store_panel_vector(llvm::Value* v, llvm::Value* ptr) {
  b().CreateAlignedStore(v, ptr, llvm::Align(static_cast<uint64_t>(elem_bytes_)));
}

void GemmEmitter::pack_direct(llvm::Value* dst, llvm::Value* kc, int64_t width, llvm::Value* valid,
                              const RowFetch& fetch) {
  loop(i64(0), kc, "gemm.pack_row", [&](llvm::Value* k) {
    llvm::Value* row = at(dst, b().CreateMul(k, i64(width)));
    for (int64_t lane0 = 0; lane0 < width; lane0 += bk_.lanes)
      store_panel_vector(fetch(k, lane0, b().CreateSub(valid, i64(lane0))), at(row, i64(lane0)));
  });
}

void GemmEmitter::pack_transposed(llvm::Value* dst, llvm::Value* kc, int64_t width, llvm::Value* valid,
                                  const LaneFetch& fetch) {
  const llvm::Align vector_align(static_cast<uint64_t>(bk_.lanes * elem_bytes_));
  const int64_t lanes = bk_.lanes;
  const int64_t padded = (width + lanes - 1) / lanes * lanes;
  // The rows of one chunk go through a stack tile: fetching them in a loop
  // keeps one copy of `fetch` (a window gather is long) instead of `width`.
  llvm::Value* tile = entry_alloca(b(), vt_, padded);
  for (int64_t r = width; r < padded; ++r) b().CreateAlignedStore(zero_vector(), at_vector(tile, i64(r)), vector_align);
  loop(i64(0), ceil_div(kc, lanes), "gemm.pack_chunk", [&](llvm::Value* chunk) {
    llvm::Value* k0 = b().CreateMul(chunk, i64(lanes));
    llvm::Value* kvalid = min(i64(lanes), b().CreateSub(kc, k0));
    loop(i64(0), i64(width), "gemm.pack_lane", [&](llvm::Value* r) {
      // Rows past the edge read the last valid row (always in bounds), then become 0.
      llvm::Value* v = fetch(min(r, b().CreateSub(valid, i64(1))), k0, kvalid);
      v = b().CreateSelect(b().CreateICmpSLT(r, valid), v, zero_vector());
      b().CreateAlignedStore(v, at_vector(tile, r), vector_align);
    });
    std::vector<std::vector<llvm::Value*>> columns;  // per block of lanes rows
    for (int64_t block = 0; block < width; block += lanes) {
      std::vector<llvm::Value*> rows;
      for (int64_t r = block; r < block + lanes; ++r)
        rows.push_back(b().CreateAlignedLoad(vt_, at_vector(tile, i64(r)), vector_align));
      columns.push_back(transpose_square(b(), std::move(rows)));
    }
    // Row by row (k ascending, blocks ascending within it), so that a last
    // block narrower than a vector spills only into what is stored next.
    for (int64_t kk = 0; kk < lanes; ++kk)
      for (size_t block = 0; block < columns.size(); ++block) {
        llvm::Value* at_k = b().CreateMul(b().CreateAdd(k0, i64(kk)), i64(width));
        store_panel_vector(columns[block][static_cast<size_t>(kk)],
                           at(dst, b().CreateAdd(at_k, i64(static_cast<int64_t>(block) * lanes))));
      }
  });
}

GemmEmitter::WindowTap GemmEmitter::window_tap(llvm::Value* r) {
  const GemmWindow& w = g_.b_window;
  llvm::Value* kx = b().CreateURem(r, i64(w.kernel_w));
  llvm::Value* rest = b().CreateUDiv(r, i64(w.kernel_w));
  llvm::Value* ky = b().CreateURem(rest, i64(w.kernel_h));
  return {b().CreateUDiv(rest, i64(w.kernel_h)), b().CreateAdd(b().CreateMul(ky, i64(w.y.tap_scale)), i64(w.y.shift)),
          b().CreateAdd(b().CreateMul(kx, i64(w.x.tap_scale)), i64(w.x.shift))};
}

llvm::Value* GemmEmitter::fetch_window(llvm::Value* image, llvm::Value* r, llvm::Value* col0, llvm::Value* valid) {
  const GemmWindow& w = g_.b_window;
  const unsigned lanes = static_cast<unsigned>(bk_.lanes);
  const llvm::Align align(static_cast<uint64_t>(elem_bytes_));
  const auto [c, tap_y, tap_x] = window_tap(r);
  llvm::Value* plane = at(image, b().CreateMul(c, i64(w.image_h * w.image_w)));
  llvm::Type* i32 = b().getInt32Ty();
  auto splat32 = [&](llvm::Value* x) { return b().CreateVectorSplat(lanes, b().CreateTrunc(x, i32)); };
  auto const32 = [&](int64_t x) { return b().CreateVectorSplat(lanes, b().getInt32(static_cast<uint32_t>(x))); };
  std::vector<llvm::Constant*> ids;
  for (unsigned l = 0; l < lanes; ++l) ids.push_back(b().getInt32(l));
  llvm::Value* lane = llvm::ConstantVector::get(ids);
  auto inside = [&](llvm::Value* x, int64_t extent) {
    return b().CreateAnd(b().CreateICmpSGE(x, const32(0)), b().CreateICmpSLT(x, const32(extent)));
  };

  // Any lanes: per-lane grid position, divisibility, bounds; one gather.
  auto gather = [&]() -> llvm::Value* {
    llvm::Value* col = b().CreateAdd(splat32(col0), lane);
    llvm::Value* gy = b().CreateUDiv(col, const32(w.grid_w));
    llvm::Value* gx = b().CreateURem(col, const32(w.grid_w));
    llvm::Value* y = b().CreateAdd(b().CreateMul(gy, const32(w.y.grid_scale)), splat32(tap_y));
    llvm::Value* x = b().CreateAdd(b().CreateMul(gx, const32(w.x.grid_scale)), splat32(tap_x));
    llvm::Value* ok = b().CreateICmpSLT(lane, splat32(valid));
    if (w.y.divisor != 1) {
      ok = b().CreateAnd(ok, b().CreateICmpEQ(b().CreateSRem(y, const32(w.y.divisor)), const32(0)));
      y = b().CreateSDiv(y, const32(w.y.divisor));
    }
    if (w.x.divisor != 1) {
      ok = b().CreateAnd(ok, b().CreateICmpEQ(b().CreateSRem(x, const32(w.x.divisor)), const32(0)));
      x = b().CreateSDiv(x, const32(w.x.divisor));
    }
    ok = b().CreateAnd(ok, b().CreateAnd(inside(y, w.image_h), inside(x, w.image_w)));
    llvm::Value* index = b().CreateAdd(b().CreateMul(y, const32(w.image_w)), x);
    index = b().CreateSelect(ok, index, const32(0));  // lanes that read nothing read the plane's first element
    llvm::Value* pointers = b().CreateGEP(t_, plane, b().CreateSExt(index, llvm::FixedVectorType::get(b().getInt64Ty(), lanes)));
    llvm::Value* all = llvm::ConstantInt::getTrue(llvm::FixedVectorType::get(b().getInt1Ty(), lanes));
    llvm::Value* v = b().CreateMaskedGather(vt_, pointers, align, all, zero_vector());
    return b().CreateSelect(ok, v, zero_vector());
  };

  if (is_flat(w)) return fetch_flat_window(image, r, col0, valid);

  // Unit stride along x: the lanes are runs of consecutive x, one per grid
  // row they cross (at most `rows` of them), each one masked load into the
  // lanes it owns. Otherwise (x strided or divided) a gather.
  const int64_t rows = (w.grid_w - 1 + bk_.lanes - 1) / w.grid_w + 1;
  if (w.x.divisor != 1 || w.x.grid_scale != 1 || rows > 5) return gather();
  llvm::Value* gx0 = b().CreateURem(col0, i64(w.grid_w));
  llvm::Value* gy0 = b().CreateUDiv(col0, i64(w.grid_w));
  llvm::Value* v = zero_vector();
  for (int64_t row = 0; row < rows; ++row) {
    // Grid row gy0 + row holds lanes [row*GW - gx0, (row+1)*GW - gx0); lane l
    // reads x = shift + l with shift = gx0 - row*GW + tap_x.
    llvm::Value* y = b().CreateAdd(b().CreateMul(b().CreateAdd(gy0, i64(row)), i64(w.y.grid_scale)), tap_y);
    llvm::Value* y_ok = b().CreateICmpSGE(y, i64(0));
    if (w.y.divisor != 1) {
      y_ok = b().CreateAnd(y_ok, b().CreateICmpEQ(b().CreateSRem(y, i64(w.y.divisor)), i64(0)));
      y = b().CreateSDiv(y, i64(w.y.divisor));
    }
    y_ok = b().CreateAnd(y_ok, b().CreateICmpSLT(y, i64(w.image_h)));
    llvm::Value* shift = b().CreateAdd(b().CreateSub(gx0, i64(row * w.grid_w)), tap_x);
    llvm::Value* lo = max(b().CreateSub(i64(row * w.grid_w), gx0), b().CreateNeg(shift));
    llvm::Value* hi = min(b().CreateSub(i64((row + 1) * w.grid_w), gx0), b().CreateSub(i64(w.image_w), shift));
    hi = b().CreateSelect(y_ok, min(hi, valid), i64(0));
    llvm::Value* ok = b().CreateAnd(b().CreateICmpSGE(lane, splat32(lo)), b().CreateICmpSLT(lane, splat32(hi)));
    llvm::Value* ptr = at(plane, b().CreateAdd(b().CreateMul(y, i64(w.image_w)), shift));
    v = b().CreateMaskedLoad(vt_, ptr, align, ok, v);
  }
  return v;
}

}  // namespace graphc::codegen::cpu
