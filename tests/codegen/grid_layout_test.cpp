// How the direct convolutions cut an output grid into vectors
// (codegen/cpu/grid_layout.h): which layout a grid gets, its bands, and the
// row pieces of each vector, which every window read and grid store follows.
#include "codegen/cpu/grid_layout.h"

#include <gtest/gtest.h>

namespace graphc::codegen::cpu {
namespace {

// Every position of the grid lies in exactly one piece of exactly one
// vector, at the lane its position gives; no piece leaves its band's rows
// or a grid row.
void expect_pieces_cover_the_grid(const GridLayout& layout, int64_t lanes) {
  std::vector<int> seen(static_cast<size_t>(layout.grid_h * layout.grid_w), 0);
  for (int64_t band = 0; band < layout.bands(); ++band) {
    const int64_t first_row = band * layout.band_rows;
    const int64_t rows = band < layout.full_bands() ? layout.band_rows : layout.tail_rows();
    for (int64_t at = 0; at < layout.steps(rows) * layout.step; at += lanes)
      for (const GridPiece& piece : grid_pieces(layout, rows, at, lanes)) {
        ASSERT_LT(piece.row, rows);
        ASSERT_LE(piece.column + piece.end_lane - piece.first_lane, layout.grid_w);
        for (int64_t l = piece.first_lane; l < piece.end_lane; ++l) {
          const int64_t p = (first_row + piece.row) * layout.grid_w + piece.column + l - piece.first_lane;
          EXPECT_EQ((at + l) / layout.pitch, piece.row);
          ++seen[static_cast<size_t>(p)];
        }
      }
  }
  for (size_t p = 0; p < seen.size(); ++p) EXPECT_EQ(seen[p], 1) << "position " << p;
}

TEST(GridLayout, RowsOfTenRunOnAcrossRows) {
  // lenet's conv2: 10 x 10 in chunks of 16: bands of 8 rows (5 chunks) and
  // a tail of 2 (2 chunks, the last with 4 positions): 7 chunks, not 10.
  const GridLayout layout = choose_grid_layout(10, 10, 16);
  EXPECT_TRUE(layout.flattened());
  EXPECT_EQ(layout.pitch, 10);
  EXPECT_EQ(layout.band_rows, 8);
  EXPECT_EQ(layout.full_bands(), 1);
  EXPECT_EQ(layout.tail_rows(), 2);
  EXPECT_EQ(layout.steps(8), 5);
  EXPECT_EQ(layout.total_steps(), 7);
  expect_pieces_cover_the_grid(layout, 16);
  expect_pieces_cover_the_grid(layout, 8);  // AVX2's two vectors a chunk
  // The chunk at 16 covers columns 6..9 of row 1, 0..9 of row 2, 0..1 of row 3.
  const std::vector<GridPiece> pieces = grid_pieces(layout, 8, 16, 16);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].row, 1);
  EXPECT_EQ(pieces[0].column, 6);
  EXPECT_EQ(pieces[0].end_lane, 4);
  EXPECT_EQ(pieces[1].row, 2);
  EXPECT_EQ(pieces[1].first_lane, 4);
  EXPECT_EQ(pieces[1].end_lane, 14);
  EXPECT_EQ(pieces[2].row, 3);
  EXPECT_EQ(pieces[2].column, 0);
  // Past the tail band's 20 positions a vector reads nothing.
  EXPECT_TRUE(grid_pieces(layout, 2, 24, 8).empty());
}

TEST(GridLayout, WholeVectorsARowStayRowByRow) {
  const GridLayout layout = choose_grid_layout(7, 32, 8);
  EXPECT_FALSE(layout.flattened());
  EXPECT_EQ(layout.pitch, 32);
  EXPECT_EQ(layout.band_rows, 1);
  expect_pieces_cover_the_grid(layout, 8);
}

TEST(GridLayout, FlatteningThatSavesLittleStaysRowByRow) {
  // Rows of 31 in vectors of 8 waste 1 lane in 32 row by row: not worth a
  // band of 8 rows of 31 vectors each.
  const GridLayout layout = choose_grid_layout(12, 31, 8);
  EXPECT_FALSE(layout.flattened());
  EXPECT_EQ(layout.pitch, 32);
  expect_pieces_cover_the_grid(layout, 8);
}

TEST(GridLayout, BandsGrowToTheStepsAUnitWants) {
  // conv1's 28 x 28 in vectors of 8: a period of 2 rows (7 vectors), grown
  // to 4 rows (14 vectors) for a unit that wants 8.
  const GridLayout layout = choose_grid_layout(28, 28, 8, 8);
  EXPECT_TRUE(layout.flattened());
  EXPECT_EQ(layout.band_rows, 4);
  EXPECT_EQ(layout.steps(layout.band_rows), 14);
  EXPECT_EQ(layout.tail_rows(), 0);
  expect_pieces_cover_the_grid(layout, 8);
  // A grid shorter than one band is all tail.
  const GridLayout short_grid = choose_grid_layout(3, 10, 16);
  EXPECT_EQ(short_grid.full_bands(), 0);
  EXPECT_EQ(short_grid.tail_rows(), 3);
  expect_pieces_cover_the_grid(short_grid, 16);
  expect_pieces_cover_the_grid(short_grid, 8);
}

}  // namespace
}  // namespace graphc::codegen::cpu
