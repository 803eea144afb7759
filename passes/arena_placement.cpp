// Best-fit, largest-first placement. Placing large buffers first leaves the
// small ones to fill the holes between them; choosing the tightest hole keeps
// the wide holes for the buffers that need them.
#include "passes/arena_placement.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "ir/error.h"

namespace graphc::passes {

bool live_at_once(const LiveRange& a, const LiveRange& b) { return a.first <= b.last && b.first <= a.last; }

int64_t align_up(int64_t bytes, int64_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

namespace {

struct Occupied {
  int64_t begin, end;
};

// The offset for a buffer of `size` bytes among the byte ranges `taken`
// (sorted by begin): the start of the tightest gap that fits, else the top.
int64_t best_fit_offset(const std::vector<Occupied>& taken, int64_t size) {
  int64_t cursor = 0, best = -1, best_waste = std::numeric_limits<int64_t>::max();
  for (const Occupied& r : taken) {
    if (r.begin > cursor) {
      int64_t gap = r.begin - cursor;
      if (gap >= size && gap - size < best_waste) {
        best = cursor;
        best_waste = gap - size;
      }
    }
    cursor = std::max(cursor, r.end);
  }
  return best >= 0 ? best : cursor;
}

}  // namespace

ArenaPlacement place_best_fit(std::span<const LiveRange> buffers, int64_t alignment) {
  GRAPHC_ASSERT(alignment > 0, "alignment ", alignment);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].first < buffers[b].first;
  });

  ArenaPlacement result;
  result.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;
  std::vector<Occupied> taken;
  for (size_t i : order) {
    const LiveRange& b = buffers[i];
    GRAPHC_ASSERT(b.first <= b.last && b.bytes >= 0, "bad live range [", b.first, ", ", b.last, "] of ", b.bytes,
                  " bytes");
    int64_t size = align_up(b.bytes, alignment);
    taken.clear();
    for (size_t j : placed)
      if (live_at_once(b, buffers[j]))
        taken.push_back({result.offsets[j], result.offsets[j] + align_up(buffers[j].bytes, alignment)});
    std::sort(taken.begin(), taken.end(), [](const Occupied& x, const Occupied& y) { return x.begin < y.begin; });
    result.offsets[i] = best_fit_offset(taken, size);
    result.arena_bytes = std::max(result.arena_bytes, result.offsets[i] + size);
    placed.push_back(i);
  }
  return result;
}

int64_t peak_live_bytes(std::span<const LiveRange> buffers, int64_t alignment) {
  int steps = 0;
  for (const LiveRange& b : buffers) steps = std::max(steps, b.last + 1);
  std::vector<int64_t> delta(static_cast<size_t>(steps) + 1, 0);  // bytes born minus bytes freed per step
  for (const LiveRange& b : buffers) {
    delta[b.first] += align_up(b.bytes, alignment);
    delta[b.last + 1] -= align_up(b.bytes, alignment);
  }
  int64_t live = 0, peak = 0;
  for (int64_t d : delta) peak = std::max(peak, live += d);
  return peak;
}

}  // namespace graphc::passes
