// Packing a flat window (gemm_codegen.h, is_flat). Tap (ty, tx) of grid
// position p reads image element p + ty*W + tx, so a vector of V is one
// masked load at that offset whatever grid rows its lanes cross; the mask
// holds the lanes whose (gy + ty, gx + tx) lies inside the image. That mask
// depends on the tap and the lanes' grid positions, not on the channel: a
// panel of V (rows = (c, ky, kx), lanes = NR grid positions) computes its
// KH*KW masks per vector once and every row loads one, so packing a vector
// is a mask load, a masked load and a store.
#include "codegen/cpu/emit_helpers.h"
#include "codegen/cpu/gemm_codegen.h"

namespace graphc::codegen::cpu {

bool is_flat(const GemmWindow& w) {
  return w.x.grid_scale == 1 && w.y.grid_scale == 1 && w.x.divisor == 1 && w.y.divisor == 1 && w.grid_w == w.image_w;
}

namespace {

// Per-lane arithmetic on <lanes x i32> for one vector of grid positions.
struct GridLanes {
  llvm::IRBuilder<>& b;
  const GemmWindow& w;
  unsigned lanes;
  llvm::Value* gy = nullptr;  // each lane's grid row and column
  llvm::Value* gx = nullptr;

  GridLanes(llvm::IRBuilder<>& builder, const GemmWindow& window, unsigned lane_count, llvm::Value* first)
      : b(builder), w(window), lanes(lane_count) {
    std::vector<llvm::Constant*> ids;
    for (unsigned l = 0; l < lanes; ++l) ids.push_back(b.getInt32(l));
    llvm::Value* col = b.CreateAdd(splat(first), llvm::ConstantVector::get(ids));
    gy = b.CreateUDiv(col, constant(w.grid_w));
    gx = b.CreateURem(col, constant(w.grid_w));
  }
  llvm::Value* splat(llvm::Value* x) { return b.CreateVectorSplat(lanes, b.CreateTrunc(x, b.getInt32Ty())); }
  llvm::Value* constant(int64_t x) { return b.CreateVectorSplat(lanes, b.getInt32(static_cast<uint32_t>(x))); }
  llvm::Value* inside(llvm::Value* x, int64_t extent) {
    return b.CreateAnd(b.CreateICmpSGE(x, constant(0)), b.CreateICmpSLT(x, constant(extent)));
  }
  // Lanes whose tap (ty, tx) lands inside the image.
  llvm::Value* tap_inside(llvm::Value* ty, llvm::Value* tx) {
    return b.CreateAnd(inside(b.CreateAdd(gy, ty), w.image_h), inside(b.CreateAdd(gx, tx), w.image_w));
  }
};

}  // namespace

void GemmEmitter::prefetch(llvm::Value* ptr, bool for_write) {
  b().CreateIntrinsic(llvm::Intrinsic::prefetch, {ptr->getType()},
                      {ptr, b().getInt32(for_write ? 1 : 0), b().getInt32(3), b().getInt32(1)});
}

llvm::Value* GemmEmitter::fetch_flat_window(llvm::Value* image, llvm::Value* r, llvm::Value* col0,
                                            llvm::Value* valid) {
  const GemmWindow& w = g_.b_window;
  const auto [c, ty, tx] = window_tap(r);
  GridLanes grid(b(), w, static_cast<unsigned>(bk_.lanes), col0);
  llvm::Value* ok = b().CreateAnd(lane_mask(valid), grid.tap_inside(grid.splat(ty), grid.splat(tx)));
  llvm::Value* offset = b().CreateAdd(b().CreateMul(c, i64(w.image_h * w.image_w)),
                                      b().CreateAdd(b().CreateAdd(b().CreateMul(ty, i64(w.image_w)), tx), col0));
  // Read along the grid chunk after chunk (a weight gradient's V^T): the
  // rows of a panel are far apart, so fetch a few chunks ahead.
  if (g_.transpose_b) prefetch(at(image, b().CreateAdd(offset, i64(2 * bk_.lanes))));
  return b().CreateMaskedLoad(vt_, at(image, offset), llvm::Align(static_cast<uint64_t>(elem_bytes_)), ok,
                              zero_vector());
}

void GemmEmitter::pack_flat_window(llvm::Value* image, llvm::Value* dst, llvm::Value* col0, llvm::Value* valid,
                                   llvm::Value* pc, llvm::Value* kc) {
  const GemmWindow& w = g_.b_window;
  const int64_t taps = w.kernel_h * w.kernel_w, nv = bk_.nv, lanes = bk_.lanes;
  const llvm::Align align(static_cast<uint64_t>(elem_bytes_));
  // masks[t * nv + v]: vector v's lanes inside for tap t, as an integer of `lanes` bits.
  llvm::Type* bits = b().getIntNTy(static_cast<unsigned>(lanes));
  llvm::Type* mask_type = llvm::FixedVectorType::get(b().getInt1Ty(), static_cast<unsigned>(lanes));
  llvm::Value* masks = entry_alloca(b(), bits, taps * nv);
  for (int64_t v = 0; v < nv; ++v) {
    GridLanes grid(b(), w, static_cast<unsigned>(lanes), b().CreateAdd(col0, i64(v * lanes)));
    llvm::Value* in_panel = lane_mask(b().CreateSub(valid, i64(v * lanes)));
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t ty = (t / w.kernel_w) * w.y.tap_scale + w.y.shift, tx = (t % w.kernel_w) * w.x.tap_scale + w.x.shift;
      llvm::Value* ok = b().CreateAnd(in_panel, grid.tap_inside(grid.constant(ty), grid.constant(tx)));
      b().CreateStore(b().CreateBitCast(ok, bits), b().CreateGEP(bits, masks, i64(t * nv + v)));
    }
  }
  e_.counted_loop(kc, "gemm.pack_flat", [&](llvm::Value* k) {
    llvm::Value* r = b().CreateAdd(pc, k);
    llvm::Value* t = b().CreateURem(r, i64(taps));
    llvm::Value* c = b().CreateUDiv(r, i64(taps));
    llvm::Value* ty = b().CreateAdd(b().CreateMul(b().CreateUDiv(t, i64(w.kernel_w)), i64(w.y.tap_scale)), i64(w.y.shift));
    llvm::Value* tx = b().CreateAdd(b().CreateMul(b().CreateURem(t, i64(w.kernel_w)), i64(w.x.tap_scale)), i64(w.x.shift));
    llvm::Value* offset = b().CreateAdd(b().CreateMul(c, i64(w.image_h * w.image_w)),
                                        b().CreateAdd(b().CreateAdd(b().CreateMul(ty, i64(w.image_w)), tx), col0));
    llvm::Value* row = at(dst, b().CreateMul(k, i64(bk_.nr())));
    for (int64_t v = 0; v < nv; ++v) {
      llvm::Value* mask_bits = b().CreateLoad(bits, b().CreateGEP(bits, masks, b().CreateAdd(b().CreateMul(t, i64(nv)), i64(v))));
      llvm::Value* mask = b().CreateBitCast(mask_bits, mask_type);
      llvm::Value* x = b().CreateMaskedLoad(vt_, at(image, b().CreateAdd(offset, i64(v * lanes))), align, mask,
                                            zero_vector());
      b().CreateAlignedStore(x, at(row, i64(v * lanes)), align);
      prefetch(at(image, b().CreateAdd(offset, i64(bk_.nr() + v * lanes))));
    }
  });
}

}  // namespace graphc::codegen::cpu
