// The grid layouts of grid_layout.h.
#include "codegen/cpu/grid_layout.h"

#include <algorithm>
#include <numeric>

#include "ir/error.h"

namespace graphc::codegen::cpu {

namespace {

constexpr int64_t kMostStepsPerBand = 16;  // unrolled per band: code size

int64_t ceil_div(int64_t x, int64_t d) { return (x + d - 1) / d; }

}  // namespace

GridLayout choose_grid_layout(int64_t grid_h, int64_t grid_w, int64_t step, int64_t band_steps) {
  GRAPHC_ASSERT(grid_h > 0 && grid_w > 0 && step > 0, "grid ", grid_h, "x", grid_w, " in steps of ", step);
  const GridLayout by_row{grid_h, grid_w, step, ceil_div(grid_w, step) * step, 1};
  GridLayout layout = by_row;
  if (grid_w % step != 0) {
    const GridLayout flat{grid_h, grid_w, step, grid_w, step / std::gcd(grid_w, step)};
    if (flat.steps(flat.band_rows) <= kMostStepsPerBand && 10 * flat.total_steps() <= 9 * by_row.total_steps())
      layout = flat;
  }
  const int64_t period = layout.band_rows;
  while (layout.steps(layout.band_rows) < band_steps && layout.band_rows < grid_h &&
         layout.steps(layout.band_rows + period) <= kMostStepsPerBand)
    layout.band_rows += period;
  return layout;
}

std::vector<GridPiece> grid_pieces(const GridLayout& layout, int64_t rows, int64_t at, int64_t lanes) {
  std::vector<GridPiece> pieces;
  for (int64_t l = 0; l < lanes; ++l) {
    const int64_t row = (at + l) / layout.pitch, column = (at + l) % layout.pitch;
    if (row >= rows || column >= layout.grid_w) continue;
    if (!pieces.empty() && pieces.back().row == row && pieces.back().end_lane == l) {
      ++pieces.back().end_lane;
      continue;
    }
    pieces.push_back({row, column, l, l + 1});
  }
  return pieces;
}

}  // namespace graphc::codegen::cpu
