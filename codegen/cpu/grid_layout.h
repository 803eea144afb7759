// How the direct convolutions (direct_conv.h, window_weight_grad.h) cut a
// window's output grid of H x W positions into vectors, and how they read
// the image under each vector.
//
// Row by row, a grid row of W positions takes ceil(W / step) vectors and the
// last one idles its lanes past W: lenet's conv2 rows of 10 fill 10 of 16
// lanes. Flattened, positions run on across rows (p = gy*W + gx, which is
// how the output and dy lie in memory), so 100 positions take 7 chunks of
// 16 instead of 10. A vector that crosses a row end reads each row's part
// of the image with a load of its own (the rows are image_w apart, not W),
// blended under constant masks (window_reader.h): one vblendps each. The crossings repeat
// every band of step / gcd(W, step) rows, so a band's vectors are emitted
// unrolled, every mask and column a constant, and bands run in a loop; the
// rows after the last whole band are a tail band of their own.
//
// Row by row is the same description with a pitch of W rounded up to the
// step and bands of one row; it stays where flattening saves little.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/kernel_ir.h"

namespace graphc::codegen::cpu {

struct GridLayout {
  int64_t grid_h = 0, grid_w = 0;
  int64_t step = 0;       // positions per vector (per chunk, for the weight gradient)
  int64_t pitch = 0;      // positions a grid row takes: W flattened, W rounded up to the step row by row
  int64_t band_rows = 0;  // grid rows per band: a whole number of steps

  int64_t full_bands() const { return grid_h / band_rows; }
  int64_t tail_rows() const { return grid_h % band_rows; }
  int64_t bands() const { return full_bands() + (tail_rows() > 0 ? 1 : 0); }
  // Steps covering `rows` rows of a band (the last one partly past them in a tail band).
  int64_t steps(int64_t rows) const { return (rows * pitch + step - 1) / step; }
  int64_t total_steps() const { return full_bands() * steps(band_rows) + steps(tail_rows()); }
  bool flattened() const { return pitch % step != 0; }
};

// The layout with fewer vectors of `step` positions: flattened when that
// saves at least a tenth of them and a band has at most 16, else row by
// row. Bands then grow by whole periods to `band_steps` steps where the
// grid and the 16 allow (a unit that wants that many vectors at once).
GridLayout choose_grid_layout(int64_t grid_h, int64_t grid_w, int64_t step, int64_t band_steps = 1);

// Lanes [first_lane, end_lane) of a vector read band row `row` from grid
// column `column` on; lanes in no piece (past a row's W columns, or past the
// band's rows) read nothing and are zero.
struct GridPiece {
  int64_t row, column, first_lane, end_lane;
};

// The pieces of the `lanes` lanes from band position `at` (a multiple of
// the lanes) in a band of `rows` rows; empty when all lie past them.
std::vector<GridPiece> grid_pieces(const GridLayout& layout, int64_t rows, int64_t at, int64_t lanes);

}  // namespace graphc::codegen::cpu
