// Best-fit, largest-first placement on hand-made lifetime traces, with the
// offsets worked out by hand: buffers that never meet share bytes, nested and
// overlapping ones stack, sizes are aligned, and the tightest gap wins over
// the lowest one when that is what keeps the arena at the peak.
#include <gtest/gtest.h>

#include <vector>

#include "passes/arena_placement.h"

namespace graphc::passes {
namespace {

constexpr int64_t kUnit = 64;  // the alignment; sizes below are in units of it

std::vector<LiveRange> in_units(std::vector<LiveRange> ranges) {
  for (LiveRange& r : ranges) r.bytes *= kUnit;
  return ranges;
}

std::vector<int64_t> units(const std::vector<int64_t>& offsets) {
  std::vector<int64_t> result;
  for (int64_t o : offsets) {
    EXPECT_EQ(o % kUnit, 0) << "offset " << o << " is not aligned";
    result.push_back(o / kUnit);
  }
  return result;
}

TEST(ArenaPlacement, DisjointLifetimesShareOneRegion) {
  auto buffers = in_units({{4, 0, 1}, {2, 2, 3}, {8, 4, 5}});
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  EXPECT_EQ(units(p.offsets), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(p.arena_bytes, 8 * kUnit);
  EXPECT_EQ(peak_live_bytes(buffers, kUnit), 8 * kUnit);
}

TEST(ArenaPlacement, NestedLifetimesStackLargestFirst) {
  // B (4) goes first at 0, A (2) outlives it and sits above, C (1) lives
  // inside both and goes on top.
  auto buffers = in_units({{2, 0, 9}, {4, 2, 7}, {1, 3, 4}});
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  EXPECT_EQ(units(p.offsets), (std::vector<int64_t>{4, 0, 6}));
  EXPECT_EQ(p.arena_bytes, 7 * kUnit);
  EXPECT_EQ(peak_live_bytes(buffers, kUnit), 7 * kUnit);
}

TEST(ArenaPlacement, AllOverlappingBuffersAreRoundedUpAndStacked) {
  // 100, 200 and 300 bytes take 128, 256 and 320 aligned bytes.
  std::vector<LiveRange> buffers{{100, 0, 5}, {200, 0, 5}, {300, 0, 5}};
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{576, 320, 0}));
  EXPECT_EQ(p.arena_bytes, 704);
  EXPECT_EQ(peak_live_bytes(buffers, kUnit), 704);
}

TEST(ArenaPlacement, EqualSizesGoInOrderOfTheirStart) {
  auto buffers = in_units({{2, 3, 4}, {2, 0, 3}, {2, 1, 2}});
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  // [0,3] first at 0, then [1,2] above it, then [3,4] beside [0,3] only: 2.
  EXPECT_EQ(units(p.offsets), (std::vector<int64_t>{2, 0, 2}));
  EXPECT_EQ(p.arena_bytes, 4 * kUnit);
}

TEST(ArenaPlacement, TightestGapBeatsLowestGapOnAFragmentingTrace) {
  // Found by search over small traces: taking the lowest gap that fits
  // (first fit) strands the later buffers and needs 22 units; the tightest
  // gap reaches the peak of 19.
  auto buffers = in_units({{3, 4, 5}, {4, 1, 3}, {5, 2, 4}, {4, 4, 5}, {6, 3, 3}, {3, 4, 4}, {4, 3, 5}});
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  EXPECT_EQ(units(p.offsets), (std::vector<int64_t>{0, 11, 6, 11, 0, 3, 15}));
  EXPECT_EQ(p.arena_bytes, 19 * kUnit);
  EXPECT_EQ(peak_live_bytes(buffers, kUnit), 19 * kUnit);
}

TEST(ArenaPlacement, LongLivedSmallBuffersBetweenShortLargeOnes) {
  // The classic fragmenting pattern of a forward pass: each large activation
  // dies after one step while a small saved value lives to the end.
  auto buffers = in_units({{8, 0, 1}, {1, 1, 9}, {8, 2, 3}, {1, 3, 9}, {8, 4, 5}, {1, 5, 9}});
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  // The large ones never meet and share 0..8; the small ones sit above.
  EXPECT_EQ(units(p.offsets), (std::vector<int64_t>{0, 8, 0, 9, 0, 10}));
  EXPECT_EQ(p.arena_bytes, 11 * kUnit);
  EXPECT_EQ(peak_live_bytes(buffers, kUnit), 11 * kUnit);
}

TEST(ArenaPlacement, EmptyTraceNeedsNoArena) {
  ArenaPlacement p = place_best_fit({}, kUnit);
  EXPECT_TRUE(p.offsets.empty());
  EXPECT_EQ(p.arena_bytes, 0);
  EXPECT_EQ(peak_live_bytes({}, kUnit), 0);
}

TEST(ArenaPlacement, PlacementNeverOverlapsBuffersLiveAtOnce) {
  // A pseudo-random trace: every pair live at once gets disjoint bytes, and
  // the arena stays within the bound the model tests demand.
  std::vector<LiveRange> buffers;
  uint32_t state = 12345;
  auto next = [&](uint32_t mod) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % mod;
  };
  for (int i = 0; i < 200; ++i) {
    int first = static_cast<int>(next(100));
    buffers.push_back({static_cast<int64_t>(1 + next(5000)), first, first + static_cast<int>(next(10))});
  }
  ArenaPlacement p = place_best_fit(buffers, kUnit);
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % kUnit, 0);
    EXPECT_LE(p.offsets[i] + buffers[i].bytes, p.arena_bytes);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      if (!live_at_once(buffers[i], buffers[j])) continue;
      bool disjoint =
          p.offsets[i] + buffers[i].bytes <= p.offsets[j] || p.offsets[j] + buffers[j].bytes <= p.offsets[i];
      EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j;
    }
  }
  EXPECT_GE(p.arena_bytes, peak_live_bytes(buffers, kUnit));
  EXPECT_LE(p.arena_bytes, peak_live_bytes(buffers, kUnit) * 5 / 4);
}

}  // namespace
}  // namespace graphc::passes
