// The loads and stores of the direct convolutions along a grid cut as
// grid_layout.h says: the image under a grid vector, one load per grid row
// it spans, blended under constant masks; and a grid vector of the output
// or of dy, which lies contiguously.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <vector>

#include "codegen/cpu/grid_layout.h"
#include "codegen/kernel_ir.h"

namespace graphc::codegen::cpu {

// Reads one image plane through the window, a band at a time: the image
// vector under each grid vector, for each column tap.
class WindowReader {
 public:
  // `element` f32 or f64 in registers, vectors of `lanes`.
  WindowReader(llvm::IRBuilder<>& b, const GemmWindow& w, llvm::Type* element, int64_t lanes);

  // Whether some output row reads a tap row outside the image (padding):
  // those rows read zeros, through a select on each piece.
  bool rows_leave_image() const { return guard_rows_; }

  // The band's rows at tap row `ky` of `plane` (a pointer to the image
  // channel): band row r is grid row first_row + r, where first_row (a
  // runtime value) lies in [first_lo, first_hi]. The range tells which plain
  // loads stay inside the plane; a load that might not is masked.
  void start_band(llvm::Value* plane, llvm::Value* first_row, int64_t first_lo, int64_t first_hi, llvm::Value* ky,
                  int64_t rows);

  // The image under the lanes of `pieces` at column tap kx: lane l of a
  // piece reads its band row at grid column column + l - first_lane; lanes
  // in no piece, or whose column lies outside the image, are zero.
  llvm::Value* load(const std::vector<GridPiece>& pieces, int64_t kx);

 private:
  llvm::Constant* lane_mask(const GridPiece& piece, int64_t lo, int64_t hi, bool& all, bool& any) const;

  llvm::IRBuilder<>& b_;
  const GemmWindow& w_;
  llvm::Type* t_;
  llvm::VectorType* vt_;
  llvm::Align align_;
  int64_t lanes_;
  bool guard_rows_;
  struct Row {
    llvm::Value* pointer;     // the image row (row 0 when this one is outside the image)
    llvm::Value* inside;      // whether it is in the image; null when no row can leave it
    int64_t lowest, highest;  // the image rows `pointer` can be at
  };
  std::vector<Row> rows_;
};

// One vector of a grid stored contiguously (p = gy*W + gx from `plane`):
// the lanes of `pieces`, which must be consecutive in p, loaded (the others
// zero) or stored, plain when they are every lane and masked otherwise.
// `first_row` is the grid row of band row 0.
llvm::Value* load_grid_vector(llvm::IRBuilder<>& b, llvm::VectorType* vt, llvm::Value* plane, llvm::Value* first_row,
                              const GridLayout& layout, const std::vector<GridPiece>& pieces);
void store_grid_vector(llvm::IRBuilder<>& b, llvm::Value* value, llvm::Value* plane, llvm::Value* first_row,
                       const GridLayout& layout, const std::vector<GridPiece>& pieces);

}  // namespace graphc::codegen::cpu
