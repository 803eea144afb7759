// The window reads and grid vector loads and stores of window_reader.h.
#include "codegen/cpu/window_reader.h"

#include <algorithm>

#include "ir/error.h"

namespace graphc::codegen::cpu {

WindowReader::WindowReader(llvm::IRBuilder<>& b, const GemmWindow& w, llvm::Type* element, int64_t lanes)
    : b_(b), w_(w), t_(element), vt_(llvm::FixedVectorType::get(element, static_cast<unsigned>(lanes))),
      align_(element->getPrimitiveSizeInBits() / 8), lanes_(lanes) {
  const int64_t lowest = w.y.shift + std::min<int64_t>(0, (w.kernel_h - 1) * w.y.tap_scale);
  const int64_t highest =
      (w.grid_h - 1) * w.y.grid_scale + w.y.shift + std::max<int64_t>(0, (w.kernel_h - 1) * w.y.tap_scale);
  guard_rows_ = lowest < 0 || highest >= w.image_h;
}

void WindowReader::start_band(llvm::Value* plane, llvm::Value* first_row, int64_t first_lo, int64_t first_hi,
                              llvm::Value* ky, int64_t rows) {
  auto i64 = [&](int64_t v) { return b_.getInt64(static_cast<uint64_t>(v)); };
  const int64_t tap_lo = std::min<int64_t>(0, (w_.kernel_h - 1) * w_.y.tap_scale);
  const int64_t tap_hi = std::max<int64_t>(0, (w_.kernel_h - 1) * w_.y.tap_scale);
  llvm::Value* tap_y = b_.CreateAdd(b_.CreateMul(ky, i64(w_.y.tap_scale)), i64(w_.y.shift));
  rows_.clear();
  for (int64_t r = 0; r < rows; ++r) {
    Row row{nullptr, nullptr, (first_lo + r) * w_.y.grid_scale + tap_lo + w_.y.shift,
            (first_hi + r) * w_.y.grid_scale + tap_hi + w_.y.shift};
    llvm::Value* y = b_.CreateAdd(b_.CreateMul(b_.CreateAdd(first_row, i64(r)), i64(w_.y.grid_scale)), tap_y);
    if (guard_rows_) {
      row.inside = b_.CreateAnd(b_.CreateICmpSGE(y, i64(0)), b_.CreateICmpSLT(y, i64(w_.image_h)));
      y = b_.CreateSelect(row.inside, y, i64(0));
      if (row.lowest < 0 || row.highest >= w_.image_h) row.lowest = 0;  // a row outside reads row 0
      row.highest = std::min(row.highest, w_.image_h - 1);
    }
    row.pointer = b_.CreateGEP(t_, plane, b_.CreateMul(y, i64(w_.image_w)));
    rows_.push_back(row);
  }
}

llvm::Constant* WindowReader::lane_mask(const GridPiece& piece, int64_t lo, int64_t hi, bool& all, bool& any) const {
  std::vector<llvm::Constant*> bits;
  all = true, any = false;
  for (int64_t l = 0; l < lanes_; ++l) {
    const bool in = l >= piece.first_lane && l < piece.end_lane && l >= lo && l < hi;
    all &= in, any |= in;
    bits.push_back(b_.getInt1(in));
  }
  return llvm::ConstantVector::get(bits);
}

llvm::Value* WindowReader::load(const std::vector<GridPiece>& pieces, int64_t kx) {
  const int64_t tap_x = kx * w_.x.tap_scale + w_.x.shift;
  llvm::Value* zero = llvm::Constant::getNullValue(vt_);
  llvm::Value* result = zero;
  for (const GridPiece& piece : pieces) {
    const Row& row = rows_.at(static_cast<size_t>(piece.row));
    const int64_t column = piece.column - piece.first_lane + tap_x;  // of lane 0 in the image row
    bool all = false, any = false;
    llvm::Constant* valid = lane_mask(piece, -column, w_.image_w - column, all, any);
    if (!any) continue;  // every lane in the padding
    llvm::Value* ptr = b_.CreateGEP(t_, row.pointer, b_.getInt64(static_cast<uint64_t>(column)));
    // A plain load reads every lane; it must stay inside the plane for any
    // row the pointer can be at. Lanes past the piece are then dropped.
    const bool stays_inside =
        row.lowest * w_.image_w + column >= 0 && row.highest * w_.image_w + column + lanes_ <= w_.image_h * w_.image_w;
    llvm::Value* v = stays_inside ? static_cast<llvm::Value*>(b_.CreateAlignedLoad(vt_, ptr, align_))
                                  : b_.CreateMaskedLoad(vt_, ptr, align_, valid, zero);
    if (row.inside) v = b_.CreateSelect(row.inside, v, zero);
    result = pieces.size() == 1 && all ? v : b_.CreateSelect(valid, v, result);
  }
  return result;
}

namespace {

// The first lane's position in the plane and the lanes of `pieces`, which
// must be consecutive in p.
llvm::Value* grid_vector_pointer(llvm::IRBuilder<>& b, llvm::Type* t, unsigned lanes, llvm::Value* plane,
                                 llvm::Value* first_row, const GridLayout& layout,
                                 const std::vector<GridPiece>& pieces, llvm::Constant*& mask, bool& all) {
  GRAPHC_ASSERT(!pieces.empty(), "a grid vector with no lanes");
  auto lane0 = [&](const GridPiece& piece) { return piece.row * layout.grid_w + piece.column - piece.first_lane; };
  std::vector<llvm::Constant*> bits(lanes, b.getInt1(false));
  for (const GridPiece& piece : pieces) {
    GRAPHC_ASSERT(lane0(piece) == lane0(pieces.front()), "pieces not consecutive in the grid");
    for (int64_t l = piece.first_lane; l < piece.end_lane; ++l) bits[static_cast<size_t>(l)] = b.getInt1(true);
  }
  all = std::all_of(bits.begin(), bits.end(), [&](llvm::Constant* bit) { return bit == b.getInt1(true); });
  mask = llvm::ConstantVector::get(bits);
  llvm::Value* index = b.CreateAdd(b.CreateMul(first_row, b.getInt64(static_cast<uint64_t>(layout.grid_w))),
                                   b.getInt64(static_cast<uint64_t>(lane0(pieces.front()))));
  return b.CreateGEP(t, plane, index);
}

}  // namespace

llvm::Value* load_grid_vector(llvm::IRBuilder<>& b, llvm::VectorType* vt, llvm::Value* plane, llvm::Value* first_row,
                              const GridLayout& layout, const std::vector<GridPiece>& pieces) {
  llvm::Type* t = vt->getElementType();
  const llvm::Align align(t->getPrimitiveSizeInBits() / 8);
  llvm::Constant* mask = nullptr;
  bool all = false;
  const unsigned lanes = static_cast<unsigned>(llvm::cast<llvm::FixedVectorType>(vt)->getNumElements());
  llvm::Value* ptr = grid_vector_pointer(b, t, lanes, plane, first_row, layout, pieces, mask, all);
  if (all) return b.CreateAlignedLoad(vt, ptr, align);
  return b.CreateMaskedLoad(vt, ptr, align, mask, llvm::Constant::getNullValue(vt));
}

void store_grid_vector(llvm::IRBuilder<>& b, llvm::Value* value, llvm::Value* plane, llvm::Value* first_row,
                       const GridLayout& layout, const std::vector<GridPiece>& pieces) {
  auto* vt = llvm::cast<llvm::FixedVectorType>(value->getType());
  llvm::Type* t = vt->getElementType();
  const llvm::Align align(t->getPrimitiveSizeInBits() / 8);
  llvm::Constant* mask = nullptr;
  bool all = false;
  llvm::Value* ptr = grid_vector_pointer(b, t, vt->getNumElements(), plane, first_row, layout, pieces, mask, all);
  if (all)
    b.CreateAlignedStore(value, ptr, align);
  else
    b.CreateMaskedStore(value, ptr, align, mask);
}

}  // namespace graphc::codegen::cpu
