// Placing buffers with known lifetimes in one arena: the offline
// dynamic-storage-allocation problem (NP-hard in general). We use the
// best-fit, largest-first heuristic of TFLite's and XLA's planners, which on
// training graphs lands close to the lower bound: the peak, over time, of the
// bytes live at once. Kept free of graphs so synthetic lifetime traces can
// test it directly.
//
// Assumes: each buffer's interval is closed (first <= last) over one time
// axis (the group index); buffers whose intervals share a step are live at
// once and must not overlap.
// Guarantees: every offset is a multiple of `alignment`, buffers live at once
// get disjoint byte ranges, and the arena covers every buffer. Sizes are
// rounded up to the alignment, so the next buffer's start stays aligned.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace graphc::passes {

struct LiveRange {
  int64_t bytes = 0;
  int first = 0, last = 0;  // closed interval of time steps
};

bool live_at_once(const LiveRange& a, const LiveRange& b);
int64_t align_up(int64_t bytes, int64_t alignment);

struct ArenaPlacement {
  std::vector<int64_t> offsets;  // one per buffer, in the order given
  int64_t arena_bytes = 0;
};

// Buffers are taken largest first (ties: earlier start, then given order);
// each goes into the gap between the already placed buffers live at the same
// time that wastes the fewest bytes (ties: the lowest offset), or on top of
// them when no gap is large enough.
ArenaPlacement place_best_fit(std::span<const LiveRange> buffers, int64_t alignment);

// The lower bound of any placement: the largest sum of aligned sizes live at
// one time step.
int64_t peak_live_bytes(std::span<const LiveRange> buffers, int64_t alignment);

}  // namespace graphc::passes
